#include "scalefit/fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <mutex>
#include <sstream>

#include <Eigen/Dense>
#include <glog/logging.h>

#include "scalefit/detail/parallel.hpp"
#include "scalefit/error.hpp"
#include "scalefit/log.hpp"

namespace scalefit {

bool FitOptions::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (!(delta > 0.0) || !std::isfinite(delta))
    return fail("delta must be finite and > 0");
  if (start != "auto" && start != "hoffmann" && start != "init" &&
      start != "grid")
    return fail("start must be one of auto, hoffmann, init, grid; got '" +
                start + "'");
  if (start == "grid" && grid.empty())
    return fail("start = grid needs a non-empty grid");
  for (const auto& [name, values] : grid) {
    if (values.empty()) return fail("grid for '" + name + "' is empty");
    for (double v : values)
      if (!std::isfinite(v))
        return fail("grid for '" + name + "' has a non-finite value");
  }
  if (grid_points < 2) return fail("grid_points must be >= 2");
  if (max_grid_cells < 1) return fail("max_grid_cells must be >= 1");
  if (max_scoring_rows < 0)
    return fail("max_scoring_rows must be >= 0 (0 = every row)");
  if (num_polish < 1) return fail("num_polish must be >= 1");
  if (!(screening_tolerance >= 0.0) || !(screening_tolerance < 1.0))
    return fail("screening_tolerance must be in [0, 1)");
  if (num_refined < 1) return fail("num_refined must be >= 1");
  if (max_iterations < 1) return fail("max_iterations must be >= 1");
  if (!(function_tolerance > 0) || !(parameter_tolerance > 0) ||
      !(gradient_tolerance > 0))
    return fail("tolerances must be > 0");
  if (num_threads < 0) return fail("num_threads must be >= 0 (0 = all cores)");
  for (const auto& [name, v] : init)
    if (!std::isfinite(v))
      return fail("init for '" + name + "' is not finite");
  return true;
}

namespace detail {

std::vector<std::vector<double>> HoffmannGrid(const LawInfo& info) {
  const int iE = info.ParamIndex("E"), iA = info.ParamIndex("A"),
            iB = info.ParamIndex("B"), ia = info.ParamIndex("alpha"),
            ib = info.ParamIndex("beta");
  std::vector<std::vector<double>> out;
  // Hoffmann et al. 2022, App. D.2: α, β ∈ {0, 0.5, …, 2};
  // e ∈ {−1, −0.5, …, 1}; a, b ∈ {0, 5, …, 25}.
  for (int i_alpha = 0; i_alpha <= 4; ++i_alpha)
    for (int i_beta = 0; i_beta <= 4; ++i_beta)
      for (int i_e = 0; i_e <= 4; ++i_e)
        for (int i_a = 0; i_a <= 5; ++i_a)
          for (int i_b = 0; i_b <= 5; ++i_b) {
            std::vector<double> z(info.num_params(), 0.0);
            z[ia] = 0.5 * i_alpha;
            z[ib] = 0.5 * i_beta;
            z[iE] = -1.0 + 0.5 * i_e;
            z[iA] = 5.0 * i_a;
            z[iB] = 5.0 * i_b;
            out.push_back(z);
          }
  return out;
}

}  // namespace detail

namespace {

using detail::ParamMap;
using detail::ProblemData;
using detail::SolveOutcome;

// Everything derived from the options and data before any solve.
struct Setup {
  LawInfo info;
  int P = 0;
  ParamMap map;
  std::vector<double> lower, upper;      // user units
  std::vector<double> init;              // user units
  std::vector<unsigned char> fixed;
  std::vector<std::string> tied_to;
  std::vector<double> target, sqrt_w;
  std::vector<double> log_x;             // log of every input, row-major
  double weight_scale = 1.0;
  ProblemData pd;
  int num_free = 0;
};

double ToInternal(const ParamInfo& p, double v) {
  return p.positive ? std::log(v) : v;
}

Setup MakeSetup(const LawModel& law, const Observations& data,
                const FitOptions& o) {
  Setup s;
  s.info = law.info();
  const LawInfo& info = s.info;
  const int P = s.P = info.num_params();
  s.lower.resize(P);
  s.upper.resize(P);
  s.init.resize(P);
  s.fixed.assign(P, 0);
  s.tied_to.assign(P, "");
  for (int k = 0; k < P; ++k) {
    s.lower[k] = info.params[k].lower;
    s.upper[k] = info.params[k].upper;
    s.init[k] = info.params[k].init;
  }
  for (const auto& [name, b] : o.bounds) {
    const int k = info.ParamIndex(name);
    if (std::isnan(b.first) || std::isnan(b.second))
      throw InvalidArgument("bounds for '" + name + "' contain NaN");
    if (b.first > b.second)
      throw InvalidArgument("bounds for '" + name + "': lower " +
                            std::to_string(b.first) + " > upper " +
                            std::to_string(b.second));
    if (info.params[k].positive && b.second <= 0.0)
      throw InvalidArgument("bounds for '" + name + "': '" + name +
                            "' must be > 0, so the upper bound must be > 0");
    s.lower[k] = b.first;
    s.upper[k] = b.second;
  }
  for (const auto& [name, v] : o.init) {
    const int k = info.ParamIndex(name);
    if (info.params[k].positive && !(v > 0.0))
      throw InvalidArgument("init for '" + name + "' must be > 0");
    if (v < s.lower[k] || v > s.upper[k])
      throw InvalidArgument("init for '" + name + "' = " +
                            std::to_string(v) + " is outside its bounds [" +
                            std::to_string(s.lower[k]) + ", " +
                            std::to_string(s.upper[k]) + "]");
    s.init[k] = v;
  }
  // The law's typical values may sit outside user bounds: clamp them.
  for (int k = 0; k < P; ++k) {
    if (!o.init.count(info.params[k].name)) {
      double lo = s.lower[k], hi = s.upper[k];
      if (info.params[k].positive && lo <= 0.0) lo = std::min(hi, 1e-300);
      s.init[k] = std::clamp(s.init[k], lo, hi);
    }
  }
  s.map.source.resize(P);
  std::iota(s.map.source.begin(), s.map.source.end(), 0);
  s.map.positive.resize(P);
  s.map.constant.assign(P, 0);
  for (int k = 0; k < P; ++k) s.map.positive[k] = info.params[k].positive;
  for (const auto& name : o.fixed) {
    const int k = info.ParamIndex(name);
    s.fixed[k] = 1;
    s.map.constant[k] = 1;
  }
  for (const auto& [follower, leader] : o.ties) {
    const int f = info.ParamIndex(follower);
    const int l = info.ParamIndex(leader);
    if (f == l) throw InvalidArgument("cannot tie '" + follower + "' to itself");
    if (s.fixed[f])
      throw InvalidArgument("'" + follower + "' is both fixed and tied");
    if (s.map.source[l] != l)
      throw InvalidArgument("'" + leader + "' is itself tied; tie '" +
                            follower + "' to the leader instead");
    if (info.params[f].positive != info.params[l].positive)
      throw InvalidArgument("cannot tie '" + follower + "' to '" + leader +
                            "': one is a positive scale, the other is not");
    s.map.source[f] = l;
    s.map.constant[f] = 1;
    s.tied_to[f] = leader;
  }
  for (int k = 0; k < P; ++k) {
    if (s.map.source[k] != k && s.tied_to[s.map.source[k]] != "")
      throw InvalidArgument("chained ties are not supported");
  }
  s.num_free = 0;
  for (int k = 0; k < P; ++k) s.num_free += !s.map.constant[k];

  // Data.
  if (data.input_names != info.input_names) {
    std::string want, got;
    for (const auto& n : info.input_names) want += (want.empty() ? "" : ", ") + n;
    for (const auto& n : data.input_names) got += (got.empty() ? "" : ", ") + n;
    throw InvalidArgument("law '" + info.name + "' takes inputs (" + want +
                          ") but the data has (" + got + ")");
  }
  ValidateObservations(data, s.num_free + 1);
  const int n = data.num_rows();
  const bool in_log = InLogSpace(o.objective);
  s.target.resize(n);
  s.sqrt_w.resize(n);
  double wsum = 0.0;
  for (int i = 0; i < n; ++i) wsum += data.weight(i);
  s.weight_scale = wsum / n;
  for (int i = 0; i < n; ++i) {
    s.target[i] = in_log ? std::log(data.loss[i]) : data.loss[i];
    s.sqrt_w[i] = std::sqrt(data.weight(i) / s.weight_scale);
  }
  s.pd.num_rows = n;
  s.pd.num_inputs = data.num_inputs();
  s.pd.x = data.x.data();
  s.log_x.resize(data.x.size());
  for (size_t j = 0; j < data.x.size(); ++j) s.log_x[j] = std::log(data.x[j]);
  s.pd.log_x = s.log_x.data();
  s.pd.target = s.target.data();
  s.pd.sqrt_w = s.sqrt_w.data();
  s.pd.objective = o.objective;
  s.pd.delta = o.delta;
  s.pd.map = s.map;
  s.pd.lower.resize(P);
  s.pd.upper.resize(P);
  for (int k = 0; k < P; ++k) {
    const ParamInfo& pi = info.params[k];
    if (pi.positive) {
      s.pd.lower[k] = s.lower[k] > 0.0 ? std::log(s.lower[k]) : -kInf;
      s.pd.upper[k] = std::isfinite(s.upper[k]) ? std::log(s.upper[k]) : kInf;
    } else {
      s.pd.lower[k] = s.lower[k];
      s.pd.upper[k] = s.upper[k];
    }
  }
  return s;
}

std::vector<double> UserToInternal(const Setup& s,
                                   const std::vector<double>& user) {
  std::vector<double> z(s.P);
  for (int k = 0; k < s.P; ++k) z[k] = ToInternal(s.info.params[k], user[k]);
  for (int k = 0; k < s.P; ++k) {
    if (s.map.source[k] != k) z[k] = z[s.map.source[k]];
  }
  return z;
}

// Clamps z into the internal bounds (starts must be feasible for Ceres).
void ClampInternal(const Setup& s, std::vector<double>* z) {
  for (int k = 0; k < s.P; ++k) {
    if (s.map.constant[k]) continue;
    (*z)[k] = std::clamp((*z)[k], s.pd.lower[k], s.pd.upper[k]);
  }
}

// The rows that score the default start grid: every row, or at most
// max_scoring_rows of them — each input's smallest and largest row (so the
// ranking sees the data's whole range, the extrapolation end above all) and
// an even stride through the rest. Scores only rank starts (the polish uses
// every row), and a spread of a few thousand rows ranks them as well as all
// rows: without the cap a four-exponent law spent 95% of a 1e5-row fit here.
struct ScoringRows {
  int n = 0;
  std::vector<double> x, log_x, target, sqrt_w;
};

ScoringRows SelectScoringRows(const Setup& s, int max_rows) {
  const int all = s.pd.num_rows;
  const int ni = s.pd.num_inputs;
  std::vector<int> pick;
  if (max_rows <= 0 || all <= max_rows) {
    pick.resize(all);
    std::iota(pick.begin(), pick.end(), 0);
  } else {
    if (2 * ni < max_rows) {
      for (int k = 0; k < ni; ++k) {
        int lo = 0, hi = 0;
        for (int i = 1; i < all; ++i) {
          const double v = s.pd.x[static_cast<size_t>(i) * ni + k];
          if (v < s.pd.x[static_cast<size_t>(lo) * ni + k]) lo = i;
          if (v > s.pd.x[static_cast<size_t>(hi) * ni + k]) hi = i;
        }
        pick.push_back(lo);
        pick.push_back(hi);
      }
    }
    const int64_t stride = max_rows - static_cast<int64_t>(pick.size());
    for (int64_t j = 0; j < stride; ++j)  // centre of the j-th equal slice
      pick.push_back(static_cast<int>((2 * j + 1) * all / (2 * stride)));
    std::sort(pick.begin(), pick.end());
    pick.erase(std::unique(pick.begin(), pick.end()), pick.end());
  }
  ScoringRows r;
  r.n = static_cast<int>(pick.size());
  for (int i : pick) {
    for (int k = 0; k < ni; ++k) {
      r.x.push_back(s.pd.x[static_cast<size_t>(i) * ni + k]);
      r.log_x.push_back(s.pd.log_x[static_cast<size_t>(i) * ni + k]);
    }
    r.target.push_back(s.target[i]);
    r.sqrt_w.push_back(s.sqrt_w[i]);
  }
  return r;
}

// Objective (normalised weights) on the scoring rows at user parameters p,
// +inf if undefined.
double ObjectiveAt(const LawModel& law, const Setup& s, const ScoringRows& rows,
                   const double* p, std::vector<double>* scratch) {
  const int n = rows.n;
  scratch->resize(n);
  law.EvaluateManyWithLogs(p, rows.x.data(), rows.log_x.data(), n,
                           scratch->data());
  const bool in_log = InLogSpace(s.pd.objective);
  double f = 0.0;
  for (int i = 0; i < n; ++i) {
    const double v = (*scratch)[i];
    if (in_log && !(v > 0.0)) return kInf;
    const double r = (in_log ? std::log(v) : v) - rows.target[i];
    f += rows.sqrt_w[i] * rows.sqrt_w[i] *
         ObjectiveTerm(r, s.pd.objective, s.pd.delta);
  }
  return std::isfinite(f) ? f : kInf;
}

// Cartesian product of per-parameter value lists (in user units) over the
// given parameter indices, capped at max_cells by thinning each axis.
std::vector<std::vector<double>> AxisValues(const Setup& s,
                                            const std::vector<int>& params,
                                            int points, int max_cells) {
  const int m = static_cast<int>(params.size());
  if (m > 0) {
    while (points > 2 && std::pow(static_cast<double>(points), m) > max_cells)
      --points;
  }
  std::vector<std::vector<double>> axes;
  for (int k : params) {
    const ParamInfo& pi = s.info.params[k];
    double lo = std::max(pi.start_lo, s.lower[k]);
    double hi = std::min(pi.start_hi, s.upper[k]);
    if (lo > hi) lo = hi = std::clamp(pi.init, s.lower[k], s.upper[k]);
    std::vector<double> axis;
    for (int j = 0; j < points; ++j) {
      const double t = points == 1 ? 0.5 : static_cast<double>(j) / (points - 1);
      if (pi.positive && lo > 0.0) {
        axis.push_back(std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))));
      } else {
        axis.push_back(lo + t * (hi - lo));
      }
    }
    axes.push_back(axis);
  }
  return axes;
}

template <typename F>
void ForEachCell(const std::vector<std::vector<double>>& axes, F&& f) {
  const int m = static_cast<int>(axes.size());
  std::vector<int> idx(m, 0);
  std::vector<double> values(m);
  for (;;) {
    for (int j = 0; j < m; ++j) values[j] = axes[j][idx[j]];
    f(values);
    int j = m - 1;
    while (j >= 0 && ++idx[j] == static_cast<int>(axes[j].size())) {
      idx[j] = 0;
      --j;
    }
    if (j < 0) return;
  }
}

// Non-negative least squares for a handful of columns, by enumerating active
// sets (exact for the 1–4 coefficients laws have). Columns are pre-weighted.
bool SmallNnls(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
               Eigen::VectorXd* c, double* sse) {
  const int m = static_cast<int>(X.cols());
  const Eigen::MatrixXd G = X.transpose() * X;
  const Eigen::VectorXd h = X.transpose() * y;
  const double yy = y.squaredNorm();
  double best = kInf;
  Eigen::VectorXd best_c = Eigen::VectorXd::Zero(m);
  for (int mask = 0; mask < (1 << m); ++mask) {
    std::vector<int> act;
    for (int j = 0; j < m; ++j)
      if (mask & (1 << j)) act.push_back(j);
    Eigen::VectorXd cc = Eigen::VectorXd::Zero(m);
    if (!act.empty()) {
      const int a = static_cast<int>(act.size());
      Eigen::MatrixXd Ga(a, a);
      Eigen::VectorXd ha(a);
      for (int i = 0; i < a; ++i) {
        ha[i] = h[act[i]];
        for (int j = 0; j < a; ++j) Ga(i, j) = G(act[i], act[j]);
      }
      Eigen::LDLT<Eigen::MatrixXd> ldlt(Ga);
      if (ldlt.info() != Eigen::Success) continue;
      const Eigen::VectorXd sol = ldlt.solve(ha);
      bool ok = sol.allFinite();
      for (int i = 0; i < a && ok; ++i) ok = sol[i] >= 0.0;
      if (!ok) continue;
      for (int i = 0; i < a; ++i) cc[act[i]] = sol[i];
    }
    const double f = yy - 2.0 * h.dot(cc) + cc.dot(G * cc);
    if (f < best) {
      best = f;
      best_c = cc;
    }
  }
  *c = best_c;
  *sse = best;
  return std::isfinite(best);
}

// Per-worker buffers for scoring grid cells.
struct CellScratch {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  std::vector<double> base, col, values;
};

// The default grid's cells ranked best first (ties by cell index), at most
// `count` of them, as internal start vectors. Variable projection: a law's
// free linear coefficients are solved per cell by non-negative least squares
// and the cell is scored with them; laws without any are scored on a grid of
// all parameters. Cells are scored on `threads` workers, each into its own
// slot, so the ranking does not depend on the thread count.
std::vector<std::vector<double>> GridStarts(const LawModel& law,
                                            const Setup& s,
                                            const FitOptions& o, int count,
                                            int threads) {
  std::vector<int> lin, nonlin;
  for (int k = 0; k < s.P; ++k) {
    if (s.map.constant[k]) continue;
    bool in_tie = false;
    for (int j = 0; j < s.P; ++j)
      if (s.map.source[j] == k && j != k) in_tie = true;
    if (s.info.params[k].linear && !in_tie) {
      lin.push_back(k);
    } else {
      nonlin.push_back(k);
    }
  }
  if (lin.size() > 6) {  // enumeration is exponential; grid them instead
    nonlin.insert(nonlin.end(), lin.begin(), lin.end());
    lin.clear();
  }
  bool any_linear_fixed = false;
  for (int k = 0; k < s.P; ++k)
    any_linear_fixed |= s.info.params[k].linear && s.map.constant[k];
  const auto axes = AxisValues(s, nonlin, o.grid_points, o.max_grid_cells);
  std::vector<std::vector<double>> cell_values;
  ForEachCell(axes, [&](const std::vector<double>& values) {
    cell_values.push_back(values);
  });
  const ScoringRows rows = SelectScoringRows(s, o.max_scoring_rows);
  const int n = rows.n;
  const bool in_log = InLogSpace(s.pd.objective);
  const int m = static_cast<int>(lin.size());
  // Relative residuals approximate log residuals to first order: in log
  // space the rows are scaled by 1/L.
  std::vector<double> row_scale(n), row_loss(n);
  for (int i = 0; i < n; ++i) {
    row_loss[i] = in_log ? std::exp(rows.target[i]) : rows.target[i];
    row_scale[i] = in_log ? rows.sqrt_w[i] / row_loss[i] : rows.sqrt_w[i];
  }

  // Score of one cell (+inf when unusable); `p` receives its full user
  // parameter vector.
  auto score_cell = [&](const std::vector<double>& values, CellScratch& w,
                        std::vector<double>& p) {
    p = s.init;
    for (size_t j = 0; j < nonlin.size(); ++j) p[nonlin[j]] = values[j];
    for (int k = 0; k < s.P; ++k)
      if (s.map.source[k] != k) p[k] = p[s.map.source[k]];
    if (m > 0) {
      w.X.resize(n, m);
      w.y.resize(n);
      w.base.resize(n);
      w.col.resize(n);
      for (int k : lin) p[k] = 0.0;
      // Linear coefficients enter with zero offset, so the law is 0 when all
      // of them are 0 — unless some are fixed: then evaluate that offset.
      if (any_linear_fixed) {
        law.EvaluateManyWithLogs(p.data(), rows.x.data(), rows.log_x.data(),
                                 n, w.base.data());
      } else {
        std::fill(w.base.begin(), w.base.end(), 0.0);
      }
      for (int j = 0; j < m; ++j) {
        p[lin[j]] = 1.0;
        law.EvaluateManyWithLogs(p.data(), rows.x.data(), rows.log_x.data(),
                                 n, w.col.data());
        p[lin[j]] = 0.0;
        for (int i = 0; i < n; ++i)
          w.X(i, j) = (w.col[i] - w.base[i]) * row_scale[i];
      }
      for (int i = 0; i < n; ++i)
        w.y[i] = (row_loss[i] - w.base[i]) * row_scale[i];
      Eigen::VectorXd c;
      double sse;
      if (!w.X.allFinite() || !w.y.allFinite() ||
          !SmallNnls(w.X, w.y, &c, &sse))
        return kInf;
      for (int j = 0; j < m; ++j) {
        const int k = lin[j];
        double v = c[j];
        // A coefficient at 0 cannot be a log-parametrised start: nudge it
        // to a small positive value within bounds.
        const double tiny =
            1e-6 * std::max(1e-300, std::abs(w.y.mean()) + 1.0);
        if (s.info.params[k].positive) v = std::max(v, tiny);
        v = std::clamp(v, std::max(s.lower[k], s.info.params[k].positive
                                                   ? 1e-300
                                                   : -kInf),
                       s.upper[k]);
        p[k] = v;
      }
    }
    return ObjectiveAt(law, s, rows, p.data(), &w.values);
  };

  const int num_cells = static_cast<int>(cell_values.size());
  std::vector<double> scores(num_cells);
  std::vector<std::vector<double>> params(num_cells);
  std::vector<CellScratch> scratch(std::max(1, std::min(threads, num_cells)));
  detail::ParallelFor(num_cells, threads, [&](int worker, int c) {
    scores[c] = score_cell(cell_values[c], scratch[worker], params[c]);
  });
  std::vector<int> order;
  for (int c = 0; c < num_cells; ++c)
    if (std::isfinite(scores[c])) order.push_back(c);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return scores[a] < scores[b]; });
  std::vector<std::vector<double>> starts;
  for (int c : order) {
    if (static_cast<int>(starts.size()) >= count) break;
    starts.push_back(UserToInternal(s, params[c]));
  }
  return starts;
}

// Projected gradient of the objective, relative to the sum of absolute
// contributions: scale-free, so "converged" means the same at any weight.
// An exact fit (every residual below 1e-7 relative, e.g. noise-free data)
// has no meaningful gradient direction: the parameters are then as precise
// as the design's conditioning allows, and it counts as stationary.
double RelativeGradient(const Setup& s, const detail::ResidualModel& model,
                        const std::vector<double>& z) {
  std::vector<double> r, J;
  if (!model.RawJacobian(z, &r, &J)) return kInf;
  const int n = s.pd.num_rows, P = s.P;
  double max_r = 0.0;
  for (int i = 0; i < n; ++i) {
    const double scale = InLogSpace(s.pd.objective) ? 1.0
                                                    : std::abs(s.target[i]);
    max_r = std::max(max_r, std::abs(r[i]) / std::max(scale, 1e-300));
  }
  if (max_r <= 1e-7) return 0.0;
  double worst = 0.0;
  for (int k = 0; k < P; ++k) {
    if (s.map.constant[k]) continue;
    double g = 0.0, g_abs = 0.0;
    for (int i = 0; i < n; ++i) {
      const double w = s.sqrt_w[i] * s.sqrt_w[i];
      const double d = w * ObjectiveDerivative(r[i], s.pd.objective, s.pd.delta);
      g += d * J[i * P + k];
      g_abs += std::abs(d * J[i * P + k]);
    }
    const double tol = 1e-10 * (1.0 + std::abs(z[k]));
    if ((z[k] <= s.pd.lower[k] + tol && g > 0) ||
        (z[k] >= s.pd.upper[k] - tol && g < 0))
      g = 0.0;  // pinned at a bound, pushing outward: stationary
    if (g_abs > 0) worst = std::max(worst, std::abs(g) / g_abs);
  }
  return worst;
}

// Ceres logs through glog, which writes WARNINGs to stderr until a host
// program initialises it (e.g. "constant polynomial" notes from line search).
// Library code must not print: unless the host set glog up itself, keep only
// errors. scalefit's own messages go through the "scalefit" spdlog logger.
void QuietCeresLogging() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!google::IsGoogleLoggingInitialized()) FLAGS_minloglevel = google::GLOG_ERROR;
  });
}

// Every start polished (screened when there are more than num_refined),
// the best refined to full tolerance. Slot i holds start i's outcome.
struct Polished {
  std::vector<SolveOutcome> outcomes;
  int best = -1;
  bool screened = false;
};

Polished PolishStarts(
    const LawModel& law, const Setup& s, const FitOptions& o,
    const std::vector<std::vector<double>>& starts,
    const detail::SolveSettings& base, int threads,
    std::vector<std::unique_ptr<detail::ResidualModel>>* models_ptr) {
  const int num_starts = static_cast<int>(starts.size());
  detail::SolveSettings settings = base;
  // Many starts: screen each (no confirming pass; the recipe's stopping rule
  // when there are more than num_refined), then refine the best below.
  const bool screened =
      num_starts > o.num_refined && o.screening_tolerance > 0.0;
  if (num_starts > 1) settings.confirm_iterations = 0;
  if (screened) {
    settings.function_tolerance =
        std::max(o.function_tolerance, o.screening_tolerance);
  }
  Polished out;
  out.screened = screened;
  std::vector<SolveOutcome>& outcomes = out.outcomes;
  outcomes.resize(num_starts);
  auto& models = *models_ptr;
  const int workers = std::max(1, std::min(threads, num_starts));
  if (static_cast<int>(models.size()) < workers) models.resize(workers);
  detail::ParallelFor(num_starts, threads, [&](int worker, int i) {
    if (!models[worker]) models[worker] = law.MakeResidualModel(s.pd);
    outcomes[i] = models[worker]->Solve(starts[i], settings);
  });
  if (!models[0]) models[0] = law.MakeResidualModel(s.pd);

  // Rank usable starts by screened cost (ties by index: deterministic).
  std::vector<int> order;
  for (int i = 0; i < num_starts; ++i)
    if (outcomes[i].usable) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return outcomes[a].cost < outcomes[b].cost;
  });
  int& best = out.best;
  best = order.empty() ? -1 : order[0];
  if (best >= 0 && num_starts > 1) {
    // Refine the best screened starts to the full tolerances, with the
    // confirming pass, and keep the lowest. Screening stops each start by
    // the recipe's rule, so the best basin may be ranked below a start that
    // merely stopped later; refining several guards against that.
    detail::SolveSettings full = settings;
    full.function_tolerance = o.function_tolerance;
    full.confirm_iterations = o.max_iterations;
    const int num_refine = std::min<int>(order.size(), o.num_refined);
    std::vector<SolveOutcome> refined(num_refine);
    detail::ParallelFor(num_refine, threads, [&](int worker, int j) {
      if (!models[worker]) models[worker] = law.MakeResidualModel(s.pd);
      const int i = order[j];
      refined[j] = models[worker]->Solve(outcomes[i].z, full);
      refined[j].iterations += outcomes[i].iterations;
    });
    for (int j = 0; j < num_refine; ++j) {
      const int i = order[j];
      if (refined[j].usable && refined[j].cost <= outcomes[i].cost)
        outcomes[i] = refined[j];
    }
    best = -1;
    for (int j = 0; j < num_refine; ++j) {
      const int i = order[j];
      if (outcomes[i].usable && (best < 0 || outcomes[i].cost < outcomes[best].cost))
        best = i;
    }
  }

  return out;
}

// The certification threshold on the relative projected gradient.
constexpr double kMaxRelativeGradient = 1e-6;

// A converged solve at a point with a negligible projected gradient.
bool Certified(const Setup& s, const detail::ResidualModel& model,
               const SolveOutcome& b) {
  return b.converged &&
         RelativeGradient(s, model, b.z) <= kMaxRelativeGradient;
}

}  // namespace

FitResult Fit(const LawPtr& law_ptr, const Observations& data,
              const FitOptions& o) {
  QuietCeresLogging();
  if (!law_ptr) throw InvalidArgument("law is null");
  std::string why;
  if (!o.IsValid(&why)) throw InvalidArgument("invalid fit options: " + why);
  const LawModel& law = *law_ptr;
  auto data_copy = std::make_shared<Observations>(data);
  Setup s = MakeSetup(law, *data_copy, o);

  const int threads = detail::ResolveThreads(o.num_threads);
  // Starts, in internal units; `reserve` holds further ranked grid cells.
  std::vector<std::vector<double>> starts, reserve;
  if (o.start == "hoffmann") {
    starts = detail::HoffmannGrid(s.info);
    for (auto& z : starts) {
      for (int k = 0; k < s.P; ++k) {
        if (s.map.constant[k]) z[k] = ToInternal(s.info.params[k], s.init[k]);
      }
      for (int k = 0; k < s.P; ++k)
        if (s.map.source[k] != k) z[k] = z[s.map.source[k]];
    }
  } else if (o.start == "init") {
    starts.push_back(UserToInternal(s, s.init));
  } else if (o.start == "grid") {
    std::vector<int> idx;
    std::vector<std::vector<double>> axes;
    for (const auto& [name, values] : o.grid) {
      idx.push_back(s.info.ParamIndex(name));
      axes.push_back(values);
    }
    ForEachCell(axes, [&](const std::vector<double>& values) {
      std::vector<double> p = s.init;
      for (size_t j = 0; j < idx.size(); ++j) p[idx[j]] = values[j];
      for (int k = 0; k < s.P; ++k) {
        if (s.info.params[k].positive && !(p[k] > 0))
          throw InvalidArgument("grid value for '" + s.info.params[k].name +
                                "' must be > 0");
      }
      starts.push_back(UserToInternal(s, p));
    });
  } else {
    // Ranked once: the first num_polish cells are polished, the next
    // 3 × num_polish kept for the retry below.
    reserve = GridStarts(law, s, o, 4 * o.num_polish, threads);
    const size_t first = std::min<size_t>(reserve.size(), o.num_polish);
    starts.assign(reserve.begin(), reserve.begin() + first);
    reserve.erase(reserve.begin(), reserve.begin() + first);
    if (!o.init.empty()) starts.push_back(UserToInternal(s, s.init));
    if (starts.empty()) starts.push_back(UserToInternal(s, s.init));
  }
  for (auto& z : starts) ClampInternal(s, &z);
  for (auto& z : reserve) ClampInternal(s, &z);

  // Polish every start; slot i always holds start i's outcome.
  detail::SolveSettings settings;
  settings.max_iterations = o.max_iterations;
  settings.function_tolerance = o.function_tolerance;
  settings.parameter_tolerance = o.parameter_tolerance;
  settings.gradient_tolerance = o.gradient_tolerance;
  std::vector<std::unique_ptr<detail::ResidualModel>> models(1);
  Polished run = PolishStarts(law, s, o, starts, settings, threads, &models);
  if (o.start == "auto" && run.best >= 0 &&
      !Certified(s, *models[0], run.outcomes[run.best])) {
    // The best of the default starts is not a certified optimum (e.g. all
    // of them ended at the same kink of a piecewise law): polish the
    // next-ranked grid cells before reporting a failure.
    if (!reserve.empty()) {
      Logger()->debug("fit '{}': best start not certified; polishing {} more "
                      "grid cells", s.info.name, reserve.size());
      Polished extra =
          PolishStarts(law, s, o, reserve, settings, threads, &models);
      const int offset = static_cast<int>(run.outcomes.size());
      if (extra.best >= 0 &&
          extra.outcomes[extra.best].cost < run.outcomes[run.best].cost)
        run.best = offset + extra.best;
      run.outcomes.insert(run.outcomes.end(), extra.outcomes.begin(),
                          extra.outcomes.end());
      run.screened = run.screened || extra.screened;
    }
  }
  const std::vector<SolveOutcome>& outcomes = run.outcomes;
  const int num_starts = static_cast<int>(outcomes.size());
  const int best = run.best;
  const bool screened = run.screened;

  FitResult r;
  r.law = law_ptr;
  r.has_data = true;
  r.start = o.start;
  r.objective_kind = o.objective;
  r.delta = o.delta;
  r.num_points = data_copy->num_rows();
  r.options = o;
  r.num_starts = num_starts;
  r.screened = screened;
  r.data_summary = Summarize(*data_copy);
  r.data = data_copy;
  std::vector<double> z_best =
      best >= 0 ? outcomes[best].z : UserToInternal(s, s.init);
  std::vector<double> p(s.P);
  s.map.Apply(z_best.data(), p.data());
  for (int k = 0; k < s.P; ++k) {
    ParamValue v;
    v.name = s.info.params[k].name;
    v.value = p[k];
    v.lower = s.lower[k];
    v.upper = s.upper[k];
    v.fixed = s.fixed[k];
    v.tied_to = s.tied_to[k];
    const double tol = 1e-8 * (1.0 + std::abs(z_best[k]));
    v.at_bound = !s.map.constant[k] &&
                 (z_best[k] <= s.pd.lower[k] + tol ||
                  z_best[k] >= s.pd.upper[k] - tol);
    r.params.push_back(v);
  }
  if (best < 0) {
    r.converged = false;
    r.objective = kInf;
    r.message = "no start reached a finite objective: " +
                (num_starts ? outcomes[0].message : std::string("no starts"));
    Logger()->warn("fit of '{}' failed: {}", s.info.name, r.message);
    return r;
  }
  const SolveOutcome& b = outcomes[best];
  r.objective = b.cost * s.weight_scale;
  r.iterations = b.iterations;
  const double basin_tol = screened ? 1e-5 : 1e-6;
  for (int i = 0; i < num_starts; ++i) {
    if (outcomes[i].usable &&
        outcomes[i].cost <= b.cost + basin_tol * std::abs(b.cost) + 1e-300)
      ++r.num_best_basin;
  }
  const double rel_grad = RelativeGradient(s, *models[0], b.z);
  bool finite = std::isfinite(r.objective);
  for (double v : p) finite = finite && std::isfinite(v);
  if (!finite) {
    r.converged = false;
    r.message = "the best start ended at a non-finite point";
  } else if (!b.converged) {
    r.converged = false;
    r.message = "solver did not converge: " + b.message;
  } else if (rel_grad > kMaxRelativeGradient) {
    r.converged = false;
    std::ostringstream os;
    os << "solver stopped with a relative projected gradient of " << rel_grad
       << " (> 1e-6): the optimum is not certified";  // kMaxRelativeGradient
    r.message = os.str();
  } else {
    r.converged = true;
    r.message = "converged";
  }
  Logger()->debug("fit '{}': {} starts, best {} (cost {:.17g}, {} its, {}), "
                  "{} in best basin, rel. gradient {:.3g}",
                  s.info.name, num_starts, best, b.cost, b.iterations,
                  b.message, r.num_best_basin, rel_grad);
  if (!r.converged) Logger()->warn("fit of '{}': {}", s.info.name, r.message);
  r.diagnostics = Diagnose(r);
  return r;
}

FitResult Fit(const std::string& law, const Observations& data,
              const FitOptions& options) {
  return Fit(GetLaw(law), data, options);
}

FitResult FromParams(const LawPtr& law,
                     const std::map<std::string, double>& params,
                     const std::string& flop_convention) {
  if (!law) throw InvalidArgument("law is null");
  const LawInfo& info = law->info();
  for (const auto& [name, v] : params) {
    const int k = info.ParamIndex(name);
    if (!std::isfinite(v))
      throw InvalidArgument("parameter '" + name + "' is not finite");
    if (info.params[k].positive && !(v > 0))
      throw InvalidArgument("parameter '" + name + "' must be > 0");
  }
  FitResult r;
  r.law = law;
  r.has_data = false;
  r.converged = true;
  r.message = "given parameters (no data, no uncertainty)";
  r.start = "given";
  r.options.flop_convention = flop_convention;
  for (const auto& p : info.params) {
    auto it = params.find(p.name);
    if (it == params.end())
      throw InvalidArgument("missing parameter '" + p.name + "' for law '" +
                            info.name + "'");
    ParamValue v;
    v.name = p.name;
    v.value = it->second;
    v.lower = p.lower;
    v.upper = p.upper;
    r.params.push_back(v);
  }
  return r;
}

std::vector<double> FitResult::values() const {
  std::vector<double> v;
  for (const auto& p : params) v.push_back(p.value);
  return v;
}

double FitResult::param(const std::string& name) const {
  for (const auto& p : params)
    if (p.name == name) return p.value;
  return params.at(law->info().ParamIndex(name)).value;  // throws UnknownName
}

std::vector<double> FitResult::Predict(const std::vector<double>& x) const {
  const int k = law->info().num_inputs();
  if (x.size() % k != 0)
    throw InvalidArgument("predict: " + std::to_string(x.size()) +
                          " input values is not a multiple of the " +
                          std::to_string(k) + " inputs");
  const int n = static_cast<int>(x.size()) / k;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) {
      const double v = x[i * k + j];
      if (!std::isfinite(v) || !(v > 0))
        throw InvalidArgument("predict: input '" + law->info().input_names[j] +
                              "', row " + std::to_string(i) +
                              " (0-based) must be finite and > 0");
    }
  const std::vector<double> p = values();
  std::vector<double> out(n);
  law->EvaluateMany(p.data(), x.data(), n, out.data());
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(out[i]))
      throw InvalidArgument("predict: the law is not finite at row " +
                            std::to_string(i));
  }
  return out;
}

std::vector<double> FitResult::Predict(
    const std::map<std::string, std::vector<double>>& inputs) const {
  const LawInfo& info = law->info();
  size_t n = 0;
  bool first = true;
  for (const auto& name : info.input_names) {
    auto it = inputs.find(name);
    if (it == inputs.end())
      throw InvalidArgument("predict: missing input '" + name + "'");
    if (!first && it->second.size() != n)
      throw InvalidArgument("predict: length mismatch in input '" + name + "'");
    n = it->second.size();
    first = false;
  }
  for (const auto& [name, v] : inputs)
    if (info.FindInput(name) < 0)
      throw UnknownName("predict: unknown input '" + name + "' for law '" +
                        info.name + "'");
  const int k = info.num_inputs();
  std::vector<double> x(n * k);
  for (int j = 0; j < k; ++j) {
    const auto& col = inputs.at(info.input_names[j]);
    for (size_t i = 0; i < n; ++i) x[i * k + j] = col[i];
  }
  return Predict(x);
}

std::vector<double> FitResult::Residuals() const {
  if (!has_data || !data)
    throw InvalidArgument(
        "residuals: this result carries no data (made from parameters, or "
        "loaded from a fit card saved without data)");
  const Observations& obs = *data;
  const int n = obs.num_rows();
  const std::vector<double> p = values();
  std::vector<double> out(n);
  law->EvaluateMany(p.data(), obs.x.data(), n, out.data());
  const bool in_log = InLogSpace(objective_kind);
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(out[i]) || (in_log && !(out[i] > 0.0)))
      throw InvalidArgument("residuals: the law is not " +
                            std::string(in_log ? "finite and > 0" : "finite") +
                            " at row " + std::to_string(i) + " (0-based)");
    out[i] = in_log ? std::log(out[i]) - std::log(obs.loss[i])
                    : out[i] - obs.loss[i];
  }
  return out;
}

}  // namespace scalefit
