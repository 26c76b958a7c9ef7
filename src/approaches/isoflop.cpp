// Approach 2: isoFLOP profiles (IsoflopFit, approaches.hpp).
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "approaches/approaches_internal.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/random.hpp"
#include "scalefit/detail/run_state.hpp"
#include "scalefit/detail/stats.hpp"
#include "scalefit/detail/threads.hpp"
#include "scalefit/error.hpp"
#include "scalefit/limits.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Weighted least-squares parabola in x = ln N; fills c0..c2, the vertex and
// the interior flag of `b`.
void FitParabola(const std::vector<double>& x, const std::vector<double>& y,
                 const std::vector<double>& w, const std::vector<double>& lnD,
                 IsoflopBudget* b) {
  const int n = static_cast<int>(x.size());
  // Centre and scale x for conditioning: u = (x − xm) / s.
  const double xm = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double s = 0.0;
  for (double v : x) s = std::max(s, std::abs(v - xm));
  Eigen::MatrixXd X(n, 3);
  Eigen::VectorXd Y(n);
  for (int i = 0; i < n; ++i) {
    const double u = (x[i] - xm) / s, sw = std::sqrt(w[i]);
    X(i, 0) = sw;
    X(i, 1) = sw * u;
    X(i, 2) = sw * u * u;
    Y[i] = sw * y[i];
  }
  const Eigen::Vector3d e = X.colPivHouseholderQr().solve(Y);
  b->c2 = e[2] / (s * s);
  b->c1 = e[1] / s - 2.0 * e[2] * xm / (s * s);
  b->c0 = e[0] - e[1] * xm / s + e[2] * xm * xm / (s * s);
  const double xlo = *std::min_element(x.begin(), x.end());
  const double xhi = *std::max_element(x.begin(), x.end());
  if (!(e[2] > 0.0)) {
    b->N_opt = b->D_opt = b->loss_opt = kNaN;
    b->interior = false;
    return;
  }
  const double u_star = -e[1] / (2.0 * e[2]);
  const double x_star = xm + s * u_star;
  b->N_opt = std::exp(x_star);
  b->loss_opt = e[0] + e[1] * u_star + e[2] * u_star * u_star;
  b->interior = x_star >= xlo && x_star <= xhi;
  // ln D along the budget: least-squares line in x (exact for C = kND).
  double mx = 0.0, md = 0.0;
  for (int i = 0; i < n; ++i) {
    mx += x[i];
    md += lnD[i];
  }
  mx /= n;
  md /= n;
  double sxx = 0.0, sxd = 0.0;
  for (int i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxd += (x[i] - mx) * (lnD[i] - md);
  }
  b->D_opt = std::exp(md + sxd / sxx * (x_star - mx));
}

// ln N_opt of the parabola through the runs byN[lo..hi] (NaN when it has no
// minimum); `fit` receives the full fit when non-null.
double WindowVertex(const IsoflopData& data, const std::vector<double>& D,
                    const std::vector<int>& byN, int lo, int hi,
                    IsoflopBudget* fit) {
  std::vector<double> x, y, w, lnD;
  for (int j = lo; j <= hi; ++j) {
    const int i = byN[j];
    x.push_back(std::log(data.N[i]));
    y.push_back(data.loss[i]);
    w.push_back(data.weights.empty() ? 1.0 : data.weights[i]);
    lnD.push_back(std::log(D[i]));
  }
  IsoflopBudget local;
  IsoflopBudget* b = fit ? fit : &local;
  FitParabola(x, y, w, lnD, b);
  if (fit) {
    fit->num_fit_points = hi - lo + 1;
    fit->N_lo = data.N[byN[lo]];  // exact inputs, not exp(ln N)
    fit->N_hi = data.N[byN[hi]];
    fit->fit_rows.clear();
    for (int j = lo; j <= hi; ++j) fit->fit_rows.push_back(byN[j]);
    std::sort(fit->fit_rows.begin(), fit->fit_rows.end());
  }
  return b->c2 > 0.0 ? std::log(b->N_opt) : kNaN;
}

// The window of one budget (IsoflopWindow, approaches.hpp step 2): fills the
// parabola, the rows used, the half-width, the re-centring count, the
// vertex shift and the flags of `b`. `byN` are the budget's rows in N order
// and `best` the position in it of the lowest observed loss.
void FitBudgetWindow(const IsoflopData& data, const std::vector<double>& D,
                     const std::vector<int>& byN, int best,
                     const IsoflopOptions& o, IsoflopBudget* b) {
  const int n = static_cast<int>(byN.size());
  const int k = o.points_each_side;
  b->vertex_shift = kNaN;
  if (o.window == IsoflopWindow::kAll) {
    WindowVertex(data, D, byN, 0, n - 1, b);
    b->half_width = -1;
    return;
  }
  if (o.window == IsoflopWindow::kAroundMinimum) {
    int lo = std::max(0, best - k), hi = std::min(n - 1, best + k);
    // Widen to at least 3 distinct N on whichever side has runs.
    auto distinct = [&]() {
      std::vector<double> v;
      for (int j = lo; j <= hi; ++j) v.push_back(data.N[byN[j]]);
      return detail::CountDistinct(v);
    };
    while (distinct() < 3) {
      if (lo > 0) --lo;
      if (distinct() >= 3) break;
      if (hi < n - 1) ++hi;
    }
    const double xs = WindowVertex(data, D, byN, lo, hi, b);
    b->half_width = std::max(best - lo, hi - best);
    double shift = kNaN;
    for (int d : {-1, 1}) {
      if (lo + d < 0 || hi + d > n - 1) continue;
      const double v = WindowVertex(data, D, byN, lo + d, hi + d, nullptr);
      const double s =
          std::isnan(v) || std::isnan(xs) ? kInf : std::abs(v - xs);
      shift = std::isnan(shift) ? s : std::max(shift, s);
    }
    b->vertex_shift = shift;
    b->asymmetric = shift > std::log(1.25);
    return;
  }
  // kCentred: on distinct sizes. size_lo[s], size_hi[s]: the positions in
  // byN of size s's first and last run (equal N within 1e-9 relative, as
  // CountDistinct).
  std::vector<int> size_lo, size_hi;
  for (int j = 0; j < n; ++j) {
    if (j == 0 || data.N[byN[j]] > data.N[byN[j - 1]] * (1.0 + 1e-9)) {
      size_lo.push_back(j);
      size_hi.push_back(j);
    } else {
      size_hi.back() = j;
    }
  }
  const int S = static_cast<int>(size_lo.size());
  int centre = 0;
  while (size_hi[centre] < best) ++centre;
  auto x_of = [&](int size) { return std::log(data.N[byN[size_lo[size]]]); };
  // Sizes [first, last] of the window centred on size c, and its half-width.
  auto window = [&](int c, int* first, int* last) {
    const int j = std::min({k, c, S - 1 - c});
    if (j > 0) {
      *first = c - j;
      *last = c + j;
    } else if (c == 0) {  // the sweep's edge: the edge size and its k nearest
      *first = 0;
      *last = std::min(S - 1, std::max(k, 2));
    } else {
      *first = std::max(0, S - 1 - std::max(k, 2));
      *last = S - 1;
    }
    return j;
  };
  int first = 0, last = 0, j = 0;
  double xs = kNaN;
  std::vector<int> visited = {centre};
  for (;;) {
    j = window(centre, &first, &last);
    xs = WindowVertex(data, D, byN, size_lo[first], size_hi[last], b);
    if (j == 0 || std::isnan(xs)) break;
    int next = centre;
    if (xs < x_of(centre - 1)) next = centre - 1;
    if (xs > x_of(centre + 1)) next = centre + 1;
    if (next == centre ||
        std::find(visited.begin(), visited.end(), next) != visited.end())
      break;
    visited.push_back(next);
    centre = next;
    ++b->num_recentred;
  }
  b->half_width = j;
  b->vertex_at_edge =
      j == 0 ||
      (!std::isnan(xs) && (xs < x_of(centre - 1) || xs > x_of(centre + 1)));
  double shift = kNaN;
  for (int d : {-1, 1}) {
    if (first + d < 0 || last + d > S - 1) continue;
    const double v = WindowVertex(data, D, byN, size_lo[first + d],
                                  size_hi[last + d], nullptr);
    const double s = std::isnan(v) || std::isnan(xs) ? kInf : std::abs(v - xs);
    shift = std::isnan(shift) ? s : std::max(shift, s);
  }
  b->vertex_shift = shift;
  b->asymmetric = shift > std::log(1.25);
}

}  // namespace

std::string ToString(IsoflopWindow w) {
  switch (w) {
    case IsoflopWindow::kCentred:
      return "centred";
    case IsoflopWindow::kAroundMinimum:
      return "around_minimum";
    case IsoflopWindow::kAll:
      return "all";
  }
  return "?";
}

IsoflopWindow ParseIsoflopWindow(const std::string& name) {
  if (name == "centred") return IsoflopWindow::kCentred;
  if (name == "around_minimum") return IsoflopWindow::kAroundMinimum;
  if (name == "all") return IsoflopWindow::kAll;
  throw UnknownName("unknown isoFLOP window '" + name +
                    "'; valid windows: centred, around_minimum, all");
}

bool IsoflopOptions::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (!(snap_tolerance >= 0.0 && snap_tolerance < 1.0))
    return fail("snap_tolerance must be >= 0 and < 1");
  if (points_each_side < 1)
    return fail(
        "points_each_side must be >= 1 (window = \"all\" fits every "
        "run)");
  if (!std::isfinite(k) || !(k > 0.0)) return fail("k must be finite and > 0");
  if (const std::string p =
          detail::ReplicatesProblem("num_bootstrap", num_bootstrap, 0);
      !p.empty())
    return fail(p);
  if (!(confidence > 0.0 && confidence < 1.0))
    return fail("confidence must be in (0, 1)");
  if (const std::string p = detail::ThreadsProblem("num_threads", num_threads);
      !p.empty())
    return fail(p);
  if (!control.IsValid(why)) return false;
  std::string w;
  if (!frontier_options.IsValid(&w)) return fail("frontier_options: " + w);
  if (!parametric_options.IsValid(&w)) return fail("parametric_options: " + w);
  return true;
}

int IsoflopResult::num_used() const {
  int n = 0;
  for (const auto& b : budgets) n += b.used;
  return n;
}

IsoflopResult IsoflopFit(const IsoflopData& data, const IsoflopOptions& o) {
  const detail::ScopedRun run(o.control);
  const char* fn = "isoflop_fit";
  std::string why;
  if (!o.IsValid(&why))
    throw InvalidArgument(std::string(fn) + ": invalid options: " + why);
  const size_t n = data.loss.size();
  if (n == 0) throw InvalidArgument("isoflop_fit: no runs (empty 'loss')");
  detail::CheckLength(fn, "N", data.N.size(), n);
  if (data.D.empty() && data.C.empty())
    throw InvalidArgument("isoflop_fit: give 'D' (tokens) or 'C' (FLOPs)");
  if (!data.D.empty()) detail::CheckLength(fn, "D", data.D.size(), n);
  if (!data.C.empty()) detail::CheckLength(fn, "C", data.C.size(), n);
  if (!data.weights.empty())
    detail::CheckLength(fn, "weights", data.weights.size(), n);
  detail::CheckColumn(fn, "N", data.N);
  detail::CheckColumn(fn, "loss", data.loss);
  detail::CheckColumn(fn, "D", data.D);
  detail::CheckColumn(fn, "C", data.C);
  detail::CheckColumn(fn, "weights", data.weights);

  std::vector<double> C(n), D(n);
  for (size_t i = 0; i < n; ++i) {
    C[i] = data.C.empty() ? o.k * data.N[i] * data.D[i] : data.C[i];
    D[i] = data.D.empty() ? data.C[i] / (o.k * data.N[i]) : data.D[i];
    if (!std::isfinite(C[i]) || !std::isfinite(D[i]))
      throw InvalidArgument("isoflop_fit: FLOPs or tokens of row " +
                            std::to_string(i) + " overflow");
  }

  IsoflopResult r;
  r.options = o;
  r.options.control = {};  // results never keep a control
  r.num_runs = static_cast<int>(n);

  // 1. Group by budget.
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return C[a] < C[b]; });
  std::vector<std::vector<int>> groups;
  double first = 0.0;
  for (int i : order) {
    if (groups.empty() || C[i] > first * (1.0 + o.snap_tolerance)) {
      groups.emplace_back();
      first = C[i];
    }
    groups.back().push_back(i);
  }

  // 2. Parabola per budget.
  for (auto& rows : groups) {
    IsoflopBudget b;
    double lsum = 0.0;
    b.C_min = kInf;
    b.C_max = 0.0;
    const double c_first = C[rows[0]];
    for (int i : rows) {
      lsum += std::log(C[i] / c_first);  // 0 when all equal: C exact
      b.C_min = std::min(b.C_min, C[i]);
      b.C_max = std::max(b.C_max, C[i]);
    }
    b.C = lsum == 0.0 ? c_first : c_first * std::exp(lsum / rows.size());
    std::sort(rows.begin(), rows.end());
    b.rows = rows;
    b.num_points = static_cast<int>(rows.size());
    std::vector<double> Ns;
    for (int i : rows) Ns.push_back(data.N[i]);
    if (b.num_points < 3 || detail::CountDistinct(Ns) < 3) {
      throw InvalidArgument(
          std::string("isoflop_fit: the budget C = ") + FormatFull(b.C) +
          " has " + std::to_string(b.num_points) + " run(s) with " +
          std::to_string(detail::CountDistinct(Ns)) + " distinct N (rows " +
          detail::RowList(rows) +
          "); a parabola needs at least 3 distinct N per budget. Remove "
          "these rows, or raise snap_tolerance if they belong to a nearby "
          "budget");
    }
    // Runs in N order (ties by loss, then row) and the fitting window.
    std::vector<int> byN = rows;
    std::stable_sort(byN.begin(), byN.end(), [&](int a, int c) {
      if (data.N[a] != data.N[c]) return data.N[a] < data.N[c];
      return data.loss[a] < data.loss[c];
    });
    int best = 0;
    for (int j = 1; j < b.num_points; ++j)
      if (data.loss[byN[j]] < data.loss[byN[best]]) best = j;
    b.best_observed_N = data.N[byN[best]];
    b.best_observed_loss = data.loss[byN[best]];
    FitBudgetWindow(data, D, byN, best, o, &b);
    b.used = b.interior || (o.keep_edge_minima && b.c2 > 0.0);
    if (!(b.c2 > 0.0)) {
      r.notes.push_back("budget C = " + FormatFull(b.C) +
                        ": the parabola has no minimum (curvature " +
                        FormatFull(b.c2) + " <= 0); left out");
    } else if (!b.interior) {
      r.notes.push_back("budget C = " + FormatFull(b.C) +
                        ": the parabola's minimum N = " + FormatFull(b.N_opt) +
                        " is outside the sampled range [" + FormatFull(b.N_lo) +
                        ", " + FormatFull(b.N_hi) + "]; " +
                        (b.used ? "kept (keep_edge_minima)" : "left out"));
    }
    if (b.asymmetric) {
      r.notes.push_back("WARNING: budget C = " + FormatFull(b.C) +
                        ": N_opt moves by " +
                        FormatShort(100.0 * std::expm1(b.vertex_shift), 3) +
                        "% when the window is moved by one " +
                        (o.window == IsoflopWindow::kCentred ? "size" : "run") +
                        " (the profile is asymmetric or flat there)");
    }
    if (b.vertex_at_edge && b.c2 > 0.0) {
      r.notes.push_back(
          "WARNING: budget C = " + FormatFull(b.C) +
          ": the vertex N = " + FormatFull(b.N_opt) +
          (b.half_width == 0
               ? std::string(" comes from the sweep's edge (its lowest loss "
                             "is at the smallest or largest size)")
               : std::string(" sits at the edge of its window (the "
                             "re-centred window could move no further)")));
    }
    r.budgets.push_back(std::move(b));
  }

  // 3. Power laws over the used budgets.
  std::vector<double> uC, uN, uD, uL;
  for (const auto& b : r.budgets) {
    if (!b.used) continue;
    uC.push_back(b.C);
    uN.push_back(b.N_opt);
    uD.push_back(b.D_opt);
    uL.push_back(b.loss_opt);
  }
  if (detail::CountDistinct(uC) < 2) {
    throw InvalidArgument(
        "isoflop_fit: only " + std::to_string(uC.size()) + " of " +
        std::to_string(r.budgets.size()) +
        " budgets have an interior minimum; the power laws need at least 2 "
        "(see the budgets' sampled ranges, or set keep_edge_minima)");
  }
  r.n_opt = detail::MakePowerLaw(uC, uN);
  r.d_opt = detail::MakePowerLaw(uC, uD);

  // 5. Bootstrap over the used budgets.
  r.num_bootstrap = o.num_bootstrap;
  if (o.num_bootstrap > 0) {
    const int m = static_cast<int>(uC.size());
    const int B = o.num_bootstrap;
    std::vector<double> ea(B, kNaN), eb(B, kNaN);
    detail::Stage stage("isoflop bootstrap", B);
    detail::ParallelFor(
        B, detail::ResolveThreads(o.num_threads), [&](int, int rep) {
          detail::SplitMix64 rng(o.seed, static_cast<std::uint64_t>(rep));
          std::vector<double> c(m), nn(m), dd(m);
          for (int j = 0; j < m; ++j) {
            const int k = static_cast<int>(rng.Below(m));
            c[j] = uC[k];
            nn[j] = uN[k];
            dd[j] = uD[k];
          }
          double e1, e2, lc;
          if (detail::FitLogLog(c, nn, &e1, &lc, nullptr) &&
              detail::FitLogLog(c, dd, &e2, &lc, nullptr)) {
            ea[rep] = e1;
            eb[rep] = e2;
          }
          stage.Advance();
        });
    std::vector<double> sa, sb;
    for (int i = 0; i < B; ++i) {
      if (std::isnan(ea[i])) continue;
      sa.push_back(ea[i]);
      sb.push_back(eb[i]);
    }
    r.num_bootstrap_used = static_cast<int>(sa.size());
    std::sort(sa.begin(), sa.end());
    std::sort(sb.begin(), sb.end());
    const double q = 0.5 * (1.0 - o.confidence);
    if (!sa.empty()) {  // else the intervals stay NaN (none usable)
      r.n_opt.lower = detail::SortedQuantile(sa, q);
      r.n_opt.upper = detail::SortedQuantile(sa, 1.0 - q);
      r.d_opt.lower = detail::SortedQuantile(sb, q);
      r.d_opt.upper = detail::SortedQuantile(sb, 1.0 - q);
    }
    if (r.num_bootstrap_used < B)
      r.notes.push_back(std::to_string(B - r.num_bootstrap_used) +
                        " bootstrap replicates drew fewer than 2 distinct "
                        "budgets and were skipped");
    if (m < 5)
      r.notes.push_back("only " + std::to_string(m) +
                        " budgets: the bootstrap intervals are unreliable");
  }

  // 4. Frontier loss.
  if (o.fit_frontier) {
    if (uC.size() < 4) {
      r.notes.push_back(
          "frontier L_opt(C) not fitted: it needs >= 4 used "
          "budgets, have " +
          std::to_string(uC.size()));
    } else {
      try {
        Observations obs = MakeObservations({"C"}, {{"C", uC}}, uL);
        r.frontier = Fit("saturating_power_law", obs, o.frontier_options);
        r.has_frontier = true;
      } catch (const InvalidArgument& e) {
        r.notes.push_back(std::string("frontier L_opt(C) not fitted: ") +
                          e.what());
      }
    }
  }

  // 6. Parametric comparison.
  if (o.compare_parametric) {
    if (n < 6) {
      r.notes.push_back(
          "parametric comparison skipped: chinchilla has 5 "
          "parameters and there are only " +
          std::to_string(n) + " runs");
    } else {
      Observations obs = MakeObservations({"N", "D"}, {{"N", data.N}, {"D", D}},
                                          data.loss, data.weights);
      r.parametric = Fit("chinchilla", obs, o.parametric_options);
      r.has_parametric = true;
      const double al = r.parametric.param("alpha");
      const double be = r.parametric.param("beta");
      r.a_parametric = be / (al + be);
      r.b_parametric = al / (al + be);
      if (!r.parametric.converged)
        r.notes.push_back("the parametric chinchilla fit did not converge: " +
                          r.parametric.message);
    }
  }
  return r;
}

std::string IsoflopResult::BriefReport() const {
  std::ostringstream os;
  os << "IsoflopResult(a=" << FormatShort(a(), 4) << detail::Interval(n_opt)
     << ", b=" << FormatShort(b(), 4) << detail::Interval(d_opt) << ", "
     << num_used() << "/" << budgets.size() << " budgets used";
  if (has_parametric) os << ", parametric a=" << FormatShort(a_parametric, 4);
  os << ")";
  return os.str();
}

std::string IsoflopResult::FullReport() const {
  std::ostringstream os;
  os << "Approach 2 (isoFLOP profiles), Hoffmann et al. 2022 §3.2\n";
  os << "runs: " << num_runs << ", budgets: " << budgets.size()
     << " (snap tolerance " << FormatShort(options.snap_tolerance)
     << "), used: " << num_used() << "\n";
  const std::string k = std::to_string(options.points_each_side);
  os << "parabola L = c0 + c1 ln N + c2 (ln N)^2 per budget, fitted to ";
  switch (options.window) {
    case IsoflopWindow::kCentred:
      os << "a centred window (up to " << k
         << " model sizes on each side of a centre size, re-centred on the "
            "vertex)";
      break;
    case IsoflopWindow::kAroundMinimum:
      os << "the lowest-loss run and up to " << k << " runs on each side";
      break;
    case IsoflopWindow::kAll:
      os << "all its runs";
      break;
  }
  os << "\n\n";
  os << "budgets (C, runs, fitted runs, half-width, N range, N_opt, D_opt, "
        "L_opt, vertex shift, interior, used, flags):\n";
  for (const auto& b : budgets) {
    os << "  C=" << FormatShort(b.C) << "  n=" << b.num_points
       << "  fit=" << b.num_fit_points << "  j=" << b.half_width << "  N in ["
       << FormatShort(b.N_lo) << ", " << FormatShort(b.N_hi)
       << "]  N_opt=" << FormatShort(b.N_opt)
       << "  D_opt=" << FormatShort(b.D_opt)
       << "  L_opt=" << FormatShort(b.loss_opt)
       << "  shift=" << FormatShort(b.vertex_shift)
       << "  interior=" << (b.interior ? "yes" : "NO")
       << "  used=" << (b.used ? "yes" : "no");
    if (b.asymmetric) os << "  ASYMMETRIC";
    if (b.vertex_at_edge) os << "  EDGE";
    os << "\n";
    os << "    rows used:";
    for (int i : b.fit_rows) os << " " << i;
    os << "\n";
  }
  auto law = [&](const char* y, const char* e, const PowerLawFit& f) {
    os << y << " = " << FormatShort(f.coefficient) << " * C^" << e << ", " << e
       << " = " << FormatShort(f.exponent);
    if (!std::isnan(f.lower))
      os << "  (" << FormatShort(100 * options.confidence, 4)
         << "% bootstrap interval [" << FormatShort(f.lower) << ", "
         << FormatShort(f.upper) << "])";
    os << "  R^2 (log) = " << FormatShort(f.r2) << ", " << f.num_points
       << " budgets\n";
  };
  os << "\n";
  law("N_opt", "a", n_opt);
  law("D_opt", "b", d_opt);
  if (num_bootstrap > 0)
    os << "bootstrap: " << num_bootstrap_used << " of " << num_bootstrap
       << " replicates (budgets resampled with replacement, seed "
       << options.seed << ")\n";
  if (has_frontier) {
    os << "frontier L_opt(C) = E + A * C^(-alpha): E = "
       << FormatShort(frontier.param("E"))
       << ", A = " << FormatShort(frontier.param("A"))
       << ", alpha = " << FormatShort(frontier.param("alpha")) << " ("
       << frontier.message << ")\n";
  }
  if (has_parametric) {
    os << "parametric chinchilla fit of the same runs: alpha = "
       << FormatShort(parametric.param("alpha"))
       << ", beta = " << FormatShort(parametric.param("beta")) << " ("
       << parametric.message << ")\n";
    os << "  implied a = beta/(alpha+beta) = " << FormatShort(a_parametric)
       << ", b = alpha/(alpha+beta) = " << FormatShort(b_parametric) << "\n";
    os << "  difference Approach 2 - parametric: a "
       << FormatShort(a() - a_parametric) << ", b "
       << FormatShort(b() - b_parametric) << "\n";
  }
  if (!notes.empty()) {
    os << "notes:\n";
    for (const auto& s : notes) os << "  - " << s << "\n";
  }
  return os.str();
}

std::vector<double> IsoflopBudget::ProfileLoss(
    const std::vector<double>& N) const {
  std::vector<double> out(N.size());
  for (size_t i = 0; i < N.size(); ++i) {
    if (!std::isfinite(N[i]) || !(N[i] > 0.0))
      throw InvalidArgument("profile_loss: N[" + std::to_string(i) +
                            "] (0-based) must be finite and > 0, got " +
                            FormatFull(N[i]));
    const double x = std::log(N[i]);
    out[i] = c0 + x * (c1 + c2 * x);
  }
  return out;
}

}  // namespace scalefit
