// The default start strategy ("auto"): variable projection on a grid of the
// nonlinear parameters, linear coefficients by non-negative least squares,
// cells ranked on the scoring rows.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fit/fit_internal.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/error.hpp"
#include "scalefit/limits.hpp"

namespace scalefit::detail {

namespace {

// The objective (normalised weights) of the law's values L_i at the scoring
// rows; +inf when a value is outside the objective's domain or the sum is
// not finite.
double ScoreValues(const Setup& s, const ScoringRows& rows,
                   const double* values) {
  const bool in_log = InLogSpace(s.pd.objective);
  double f = 0.0;
  for (int i = 0; i < rows.n; ++i) {
    const double v = values[i];
    if (in_log && !(v > 0.0)) return kInf;
    const double r = (in_log ? std::log(v) : v) - rows.target[i];
    f += rows.sqrt_w[i] * rows.sqrt_w[i] *
         ObjectiveTerm(r, s.pd.objective, s.pd.delta);
  }
  return std::isfinite(f) ? f : kInf;
}

// Objective on the scoring rows at user parameters p, +inf if undefined.
double ObjectiveAt(const LawModel& law, const Setup& s, const ScoringRows& rows,
                   const double* p, std::vector<double>* scratch) {
  const BatchKernels* k = law.batch_kernels();
  if (k && s.P <= kMaxBatchParams) {
    // p is in user units: score with the identity map.
    int source[kMaxBatchParams];
    unsigned char positive[kMaxBatchParams] = {};
    for (int j = 0; j < s.P; ++j) source[j] = j;
    double f = 0.0;
    return k->objective(rows.batch, {source, positive}, s.pd.objective,
                        s.pd.delta, p, 0, rows.batch.stride, &f, nullptr)
               ? f
               : kInf;
  }
  scratch->resize(rows.n);
  law.EvaluateManyWithLogs(p, rows.x.data(), rows.log_x.data(), rows.n,
                           scratch->data());
  return ScoreValues(s, rows, scratch->data());
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
      const double t =
          points == 1 ? 0.5 : static_cast<double>(j) / (points - 1);
      if (pi.positive && lo > 0.0) {
        axis.push_back(
            std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))));
      } else {
        axis.push_back(lo + t * (hi - lo));
      }
    }
    axes.push_back(axis);
  }
  return axes;
}

// Non-negative least squares for a handful of columns, by enumerating active
// sets (exact for the 1–6 coefficients laws have), from the normal equations
// G = XᵀX, h = Xᵀy, yy = yᵀy. Fixed-capacity matrices: no heap per cell.
constexpr int kMaxLinear = kMaxBatchColumns;
using SmallMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0,
                                  kMaxLinear, kMaxLinear>;
using SmallVector = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxLinear, 1>;

bool SmallNnls(const SmallMatrix& G, const SmallVector& h, double yy,
               SmallVector* c, double* sse) {
  const int m = static_cast<int>(G.cols());
  double best = kInf;
  SmallVector best_c = SmallVector::Zero(m);
  for (int mask = 0; mask < (1 << m); ++mask) {
    int act[kMaxLinear];
    int a = 0;
    for (int j = 0; j < m; ++j)
      if (mask & (1 << j)) act[a++] = j;
    SmallVector cc = SmallVector::Zero(m);
    if (a > 0) {
      SmallMatrix Ga(a, a);
      SmallVector ha(a);
      for (int i = 0; i < a; ++i) {
        ha[i] = h[act[i]];
        for (int j = 0; j < a; ++j) Ga(i, j) = G(act[i], act[j]);
      }
      Eigen::LDLT<SmallMatrix> ldlt(Ga);
      if (ldlt.info() != Eigen::Success) continue;
      const SmallVector sol = ldlt.solve(ha);
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

// Laws without batch kernels: the sums of BatchKernels::normal_sums (the
// same outputs: g = XᵀX m × m row-major, h = Xᵀy, sums = {yᵀy, Σ y_i}) of
// rows [0, n) for M columns φ_j = col[j * stride + i], loss[i] = L_i,
// scale[i] = s_i, in row order rather than in the kernels' 8 lanes. M is a
// compile-time count so that the loops over columns unroll. Sums in local
// arrays, which the compiler keeps apart from the columns (an Eigen matrix
// here is written back to memory per row).
template <int M>
void AddNormalSums(int n, int stride, const double* loss, const double* scale,
                   const double* base, const double* col, double* g_out,
                   double* h_out, double* sums) {
  double g[M][M] = {}, h[M] = {};
  double yy = 0.0, y_sum = 0.0;
  for (int i = 0; i < n; ++i) {
    const double y = (loss[i] - base[i]) * scale[i];
    yy += y * y;
    y_sum += y;
    double xi[M];
    for (int j = 0; j < M; ++j)
      xi[j] = col[static_cast<size_t>(j) * stride + i] * scale[i];
    for (int a = 0; a < M; ++a) {
      h[a] += xi[a] * y;
      for (int b = 0; b <= a; ++b) g[a][b] += xi[a] * xi[b];
    }
  }
  for (int a = 0; a < M; ++a) {
    h_out[a] = h[a];
    for (int b = 0; b <= a; ++b) g_out[a * M + b] = g_out[b * M + a] = g[a][b];
  }
  sums[0] = yy;
  sums[1] = y_sum;
}

// AddNormalSums<m> for a count m in [1, sizeof...(M)].
template <int... M>
void AddNormalSumsOf(std::integer_sequence<int, M...>, int m, int n, int stride,
                     const double* loss, const double* scale,
                     const double* base, const double* col, double* g,
                     double* h, double* sums) {
  ((m == M + 1
        ? AddNormalSums<M + 1>(n, stride, loss, scale, base, col, g, h, sums)
        : void()),
   ...);
}

// Per-worker buffers for scoring grid cells.
struct CellScratch {
  std::vector<double> base, col, values;
};

}  // namespace

// Variable projection: a law's free linear coefficients are solved per cell
// by non-negative least squares and the cell is scored with them; laws
// without any are scored on a grid of all parameters.
std::vector<std::vector<double>> GridStarts(const LawModel& law, const Setup& s,
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
  if (lin.size() > kMaxLinear) {  // enumeration is exponential; grid them
    nonlin.insert(nonlin.end(), lin.begin(), lin.end());
    lin.clear();
  }
  bool any_linear_fixed = false;
  for (int k = 0; k < s.P; ++k)
    any_linear_fixed |= s.info.params[k].linear && s.map.constant[k];
  const auto axes = AxisValues(s, nonlin, o.grid_points, o.max_grid_cells);
  // Cells are not stored: cell c's values are its mixed-radix digits, the
  // last axis fastest (the order of ForEachCell), so memory is one score per
  // cell however large max_grid_cells is.
  std::int64_t total_cells = 1;
  for (const auto& a : axes) total_cells *= static_cast<std::int64_t>(a.size());
  auto cell_values = [&axes](std::int64_t c, std::vector<double>* values) {
    values->resize(axes.size());
    for (int j = static_cast<int>(axes.size()) - 1; j >= 0; --j) {
      const auto size = static_cast<std::int64_t>(axes[j].size());
      (*values)[j] = axes[j][static_cast<size_t>(c % size)];
      c /= size;
    }
  };
  const ScoringRows rows = SelectScoringRows(s, o.max_scoring_rows);
  const int n = rows.n;
  const bool in_log = InLogSpace(s.pd.objective);
  const int m = static_cast<int>(lin.size());
  const BatchKernels* kernels = law.batch_kernels();
  // Relative residuals approximate log residuals to first order: in log
  // space the rows are scaled by 1/L. With batch kernels, padded to the
  // batch stride with scale 0.
  const int padded = kernels ? rows.batch.stride : n;
  std::vector<double> row_scale(padded, 0.0), row_loss(padded, 0.0);
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
      for (int k : lin) p[k] = 0.0;
      // The columns φ_j (∂L/∂c_j) and the offset L(c = 0), which is 0 unless
      // some linear coefficients are fixed.
      const int stride = kernels ? rows.batch.stride : n;
      w.base.resize(stride);
      w.col.resize(static_cast<size_t>(m) * stride);
      if (kernels) {  // one batch Jet pass for the offset and every column
        kernels->columns(p.data(), lin.data(), m, rows.batch, 0, stride,
                         w.base.data(), w.col.data());
      } else {
        if (any_linear_fixed) {
          law.EvaluateManyWithLogs(p.data(), rows.x.data(), rows.log_x.data(),
                                   n, w.base.data());
        } else {
          std::fill(w.base.begin(), w.base.end(), 0.0);
        }
        for (int j = 0; j < m; ++j) {
          double* col = w.col.data() + static_cast<size_t>(j) * stride;
          p[lin[j]] = 1.0;
          law.EvaluateManyWithLogs(p.data(), rows.x.data(), rows.log_x.data(),
                                   n, col);
          p[lin[j]] = 0.0;
          for (int i = 0; i < n; ++i) col[i] -= w.base[i];
        }
      }
      double g[kMaxLinear * kMaxLinear], hs[kMaxLinear], sums[2];
      if (kernels) {  // in the kernels' 8 lanes
        kernels->normal_sums(stride, row_loss.data(), row_scale.data(),
                             w.base.data(), w.col.data(), m, g, hs, sums);
      } else {
        AddNormalSumsOf(std::make_integer_sequence<int, kMaxLinear>(), m, n,
                        stride, row_loss.data(), row_scale.data(),
                        w.base.data(), w.col.data(), g, hs, sums);
      }
      SmallMatrix G(m, m);
      SmallVector h(m);
      for (int a = 0; a < m; ++a) {
        h[a] = hs[a];
        for (int b = 0; b < m; ++b) G(a, b) = g[a * m + b];
      }
      const double yy = sums[0], y_sum = sums[1];
      SmallVector c;
      double sse;
      if (!G.allFinite() || !h.allFinite() || !std::isfinite(yy) ||
          !SmallNnls(G, h, yy, &c, &sse))
        return kInf;
      const double y_mean = y_sum / n;
      for (int j = 0; j < m; ++j) {
        const int k = lin[j];
        double v = c[j];
        // A coefficient at 0 cannot be a log-parametrised start: nudge it
        // to a small positive value within bounds.
        const double tiny = 1e-6 * std::max(1e-300, std::abs(y_mean) + 1.0);
        if (s.info.params[k].positive) v = std::max(v, tiny);
        v = std::clamp(
            v, std::max(s.lower[k], s.info.params[k].positive ? 1e-300 : -kInf),
            s.upper[k]);
        p[k] = v;
      }
      // Scored from the columns: L_i = offset_i + Σ_j c_j φ_j(x_i) is the
      // law's value for a law linear in the c_j, so no second pass of the law
      // (its exp calls) is needed; only the log of the log objectives.
      double coef[kMaxLinear];
      for (int j = 0; j < m; ++j) coef[j] = p[lin[j]];
      if (kernels) {  // the batch kernel's log, in its fixed 8 lanes
        double f = 0.0;
        return kernels->score_columns(rows.batch, w.base.data(), w.col.data(),
                                      m, coef, s.pd.objective, s.pd.delta, &f)
                   ? f
                   : kInf;
      }
      w.values.resize(n);
      for (int i = 0; i < n; ++i) {
        double v = w.base[i];
        for (int j = 0; j < m; ++j)
          v += coef[j] * w.col[static_cast<size_t>(j) * stride + i];
        w.values[i] = v;
      }
      return ScoreValues(s, rows, w.values.data());
    }
    return ObjectiveAt(law, s, rows, p.data(), &w.values);
  };

  // AxisValues keeps p^m <= max_grid_cells (<= kMaxGridCells) unless every
  // axis is down to 2 points.
  if (total_cells > kMaxGridCells)
    throw InvalidArgument(
        "the default start grid would have " + std::to_string(total_cells) +
        " cells (2 points on each of " + std::to_string(axes.size()) +
        " nonlinear parameters), more than the limit of " +
        std::to_string(kMaxGridCells) +
        "; fix some parameters or pass an explicit grid");
  const int num_cells = static_cast<int>(total_cells);
  std::vector<double> scores(num_cells);
  struct Worker {
    CellScratch scratch;
    std::vector<double> values, p;
  };
  std::vector<Worker> workers(std::max(1, std::min(threads, num_cells)));
  Stage stage("start grid cells", num_cells);
  // A cell costs about three passes over the scoring rows (the columns on
  // Jets, the normal sums, the score's log).
  ParallelFor(num_cells, WorkerThreads(threads, 3.0 * num_cells * n),
              [&](int worker, int c) {
                Worker& w = workers[worker];
                cell_values(c, &w.values);
                scores[c] = score_cell(w.values, w.scratch, w.p);
                stage.Advance();
              });
  std::vector<int> order;
  for (int c = 0; c < num_cells; ++c)
    if (std::isfinite(scores[c])) order.push_back(c);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return scores[a] < scores[b]; });
  // The parameters of the best cells: scored again (deterministic, so the
  // same values as in the ranking).
  std::vector<std::vector<double>> starts;
  for (int c : order) {
    if (static_cast<int>(starts.size()) >= count) break;
    Worker& w = workers[0];
    cell_values(c, &w.values);
    score_cell(w.values, w.scratch, w.p);
    starts.push_back(UserToInternal(s, w.p));
  }
  return starts;
}

}  // namespace scalefit::detail
