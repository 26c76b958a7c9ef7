// Design diagnostics (diagnostics.hpp): computed from the observations, the
// law and the fitted parameters.
#include "scalefit/diagnostics.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>

#include "diagnostics_internal.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/stats.hpp"
#include "scalefit/detail/weights.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/report.hpp"
#include "scalefit/uncertainty/profile.hpp"

namespace scalefit {

namespace {

// Thresholds (documented in diagnostics.hpp and docs/diagnostics.md).
constexpr int kFewDistinct = 5;              // fewer distinct values: warn
constexpr double kNarrowSpanDecades = 1.0;   // input span below: warn
constexpr double kSingleRatioDecades = 0.1;  // D/N spread below: one ratio
constexpr double kNarrowRatioDecades = 0.5;  // D/N spread below: warn
constexpr double kIllConditioned = 1e6;      // scaled-J condition: warn
constexpr double kRankDeficient = 1e10;      // scaled-J condition: singular
constexpr double kHighCorrelation = 0.99;    // exponent/floor pairs: warn
constexpr double kMaxRelSe = 0.25;           // exponent rel. s.e.: identified
constexpr double kSigmaFloor = 1e-3;         // log space (0.1 % noise)
constexpr double kFloorGap = 1e-2;           // E >= (1 - gap) * min loss

double SpanDecades(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  if (!(*lo > 0.0)) return 0.0;  // decades are defined for positive values
  return std::log10(*hi / *lo);
}

// Plain words for an input's values.
std::string Plural(const std::string& input) {
  if (input == "N") return "model sizes (N)";
  if (input == "D") return "token counts (D)";
  if (input == "C") return "compute budgets (C)";
  return "values of " + input;
}

}  // namespace

namespace detail {

Diagnostics DiagnoseOnRows(const LawModel& law, const Observations& obs,
                           const std::vector<ParamValue>& params,
                           Objective objective, bool converged,
                           const std::string& message, const FlopModel* flops,
                           const DataSummary* summary, int threads,
                           const BatchRows* rows) {
  Diagnostics d;
  const LawInfo& info = law.info();
  const int n = obs.num_rows();
  const int k_in = obs.num_inputs();
  const int P = info.num_params();
  if (n == 0 || static_cast<int>(params.size()) != P) return d;
  d.computed = true;
  d.num_points = n;
  d.input_names = obs.input_names;
  auto warn = [&d](const std::string& code, const std::string& message) {
    d.warnings.push_back(DiagnosticWarning{code, message});
  };

  // --- design ---------------------------------------------------------------
  std::vector<std::vector<double>> cols(k_in, std::vector<double>(n));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k_in; ++j) cols[j][i] = obs.x[i * k_in + j];
  // The data's summary (Summarize) already counted each input's distinct
  // values, the same count of the same columns.
  const bool counted = summary != nullptr && summary->num_rows == n &&
                       static_cast<int>(summary->num_distinct.size()) == k_in;
  d.num_distinct.assign(k_in, 0);
  for (int j = 0; j < k_in; ++j) {
    if (counted) d.num_distinct[j] = summary->num_distinct[j];
    d.span_decades.push_back(SpanDecades(cols[j]));
  }
  const int iN = info.FindInput("N"), iD = info.FindInput("D"),
            iC = info.FindInput("C");
  const FlopModel six = FlopModel::SixND();
  std::string compute_source;
  const std::vector<double> compute =
      RunCompute(obs, flops ? flops : &six, &compute_source);
  d.has_compute = !compute.empty();
  d.has_tokens_per_param = iN >= 0 && iD >= 0;
  // Work items that only read the data (and the Jacobian below, which only
  // reads the parameters too), each writing its own fields: run on
  // `threads` workers (ParallelFor), the same numbers on any count.
  std::vector<std::function<void()>> items;
  for (int j = 0; j < k_in && !counted; ++j)
    items.push_back(
        [&, j] { d.num_distinct[j] = detail::CountDistinct(cols[j]); });
  if (d.has_compute)
    items.push_back([&] {
      d.num_distinct_compute = detail::CountDistinct(compute);
      d.compute_span_decades = SpanDecades(compute);
    });
  if (d.has_tokens_per_param)
    items.push_back([&] {
      std::vector<double> tpp(n);
      for (int i = 0; i < n; ++i) tpp[i] = cols[iD][i] / cols[iN][i];
      d.tokens_per_param_min = *std::min_element(tpp.begin(), tpp.end());
      d.tokens_per_param_max = *std::max_element(tpp.begin(), tpp.end());
      d.tokens_per_param_median = detail::Median(tpp);
      d.tokens_per_param_spread_decades = SpanDecades(tpp);
    });

  // --- free parameters (columns of the Jacobian) ----------------------------
  // Column of parameter k: its own if free; its leader's if tied; none if
  // fixed.
  std::vector<int> column(P, -1);
  std::vector<int> free_params;
  for (int k = 0; k < P; ++k) {
    if (params[k].fixed || !params[k].tied_to.empty()) continue;
    column[k] = static_cast<int>(free_params.size());
    free_params.push_back(k);
  }
  for (int k = 0; k < P; ++k) {
    if (!params[k].tied_to.empty()) {
      const int leader = info.ParamIndex(params[k].tied_to);
      column[k] = column[leader];
    }
  }
  const int F = static_cast<int>(free_params.size());
  d.num_free_params = F;

  // --- the Jacobian at the optimum
  // --------------------------------------------
  std::vector<double> p;
  for (const ParamValue& v : params) p.push_back(v.value);
  const bool in_log = InLogSpace(objective);
  const detail::NormalizedWeights weights = detail::NormalizeWeights(obs);
  // The scaled Jacobian J (n × F) is never held whole: its rows fill a
  // block of kBlockRows below the R factor of the rows before them (a
  // Householder QR of the block then gives the R factor of all rows so far,
  // F × F). Q is orthogonal, so the stack [R; rows left] has J's column norms,
  // singular values and right singular vectors; up to F + kBlockRows rows it
  // is J itself. From twice that many rows the rows are taken in two halves
  // (a function of the rows only), side by side on the threads, and the
  // stack of their two factors is factorised once more.
  constexpr int kBlockRows = 8192;
  struct Part {
    Eigen::MatrixXd J;
    int rows_in_j = 0;
    double rss = 0.0, loss_sum = 0.0;
    // Whether ∂L/∂p_k is 1 at every row (the floor, below).
    std::vector<unsigned char> unit_basis;
    bool finite = true;
  };
  const int num_parts = n >= 2 * (F + kBlockRows) ? 2 : 1;
  std::vector<Part> parts(num_parts);
  // Each row's L and ∂L/∂p (user units), a block of rows at a time: from
  // the law's batch kernels on the fit's rows when given (`rows`, with the
  // fit's targets: the residual comes with them), else row by row.
  const detail::BatchKernels* kernels =
      rows != nullptr && rows->num_rows == n ? law.batch_kernels() : nullptr;
  // Where part `part` starts: a multiple of 8, so that every block of rows
  // below starts on one and its padding to 8 rows stays inside the layout.
  auto part_start = [&](int part) {
    if (part >= num_parts) return n;
    return static_cast<int>(static_cast<int64_t>(n) * part / num_parts / 8 * 8);
  };
  auto jacobian = [&](int part) {
    const int first = part_start(part), last = part_start(part + 1);
    Part& out = parts[part];
    Eigen::MatrixXd& J = out.J;
    J = Eigen::MatrixXd::Zero(std::min(last - first, F + kBlockRows), F);
    int& rows_in_j = out.rows_in_j;
    out.unit_basis.assign(P, 1);
    constexpr int kEvalRows = 2048;  // a multiple of 8
    // The kernels write values up to the block's padding (a multiple of 8).
    const int buffer_rows = std::min(kEvalRows, (last - first + 7) / 8 * 8);
    std::vector<double> value(buffer_rows), res(buffer_rows),
        grad(static_cast<size_t>(buffer_rows) * P);
    std::vector<int> source(P);
    std::vector<unsigned char> as_is(P, 0);
    for (int k = 0; k < P; ++k) source[k] = k;
    const detail::BatchMap identity{source.data(), as_is.data()};
    for (int begin = first; begin < last && out.finite; begin += kEvalRows) {
      const int end = std::min(last, begin + kEvalRows);
      if (kernels) {
        // The block as rows of its own (the kernels index rows from 0);
        // the rows after it (or the layout's padding) pad it to 8: `begin`
        // is a multiple of 8 (part_start, kEvalRows).
        const detail::BatchRows view =
            detail::RowsFrom(*rows, begin, end - begin);
        const int padded = (end - begin + 7) / 8 * 8;
        kernels->evaluate(p.data(), view, 0, padded, value.data());
        // Identity map: z = p, so ∂r/∂z is ∂L/∂p (÷ L in log space).
        kernels->residuals(view, identity, in_log, p.data(), 0, padded,
                           res.data(), grad.data());
        if (in_log) {
          for (int i = 0; i < end - begin; ++i)
            for (int k = 0; k < P; ++k)
              grad[static_cast<size_t>(i) * P + k] *= value[i];
        }
      } else {
        for (int i = begin; i < end; ++i) {
          double* g = grad.data() + static_cast<size_t>(i - begin) * P;
          const double v = law.ValueAndGradient(p.data(), obs.row(i), g);
          value[i - begin] = v;
          res[i - begin] = in_log && v > 0.0
                               ? std::log(v) - std::log(obs.loss[i])
                               : v - obs.loss[i];
        }
      }
      for (int i = begin; i < end; ++i) {
        const double v = value[i - begin];
        const double* g_row = grad.data() + static_cast<size_t>(i - begin) * P;
        const double sw = std::sqrt(weights.w[i]);
        if (!std::isfinite(v) || (in_log && !(v > 0.0))) {
          out.finite = false;
          break;
        }
        out.rss += sw * sw * res[i - begin] * res[i - begin];
        out.loss_sum += obs.loss[i];
        if (rows_in_j == J.rows()) {
          const Eigen::HouseholderQR<Eigen::MatrixXd> qr(J);
          J.topRows(F) =
              qr.matrixQR().topRows(F).triangularView<Eigen::Upper>();
          rows_in_j = F;
        }
        for (int c = 0; c < F; ++c) J(rows_in_j, c) = 0.0;
        for (int k = 0; k < P; ++k) {
          out.unit_basis[k] =
              out.unit_basis[k] && std::abs(g_row[k] - 1.0) <= 1e-12;
          if (column[k] < 0) continue;
          double g = in_log ? g_row[k] / v : g_row[k];
          if (info.params[k].positive) g *= p[k];  // ∂/∂ log p
          J(rows_in_j, column[k]) += sw * g;
        }
        ++rows_in_j;
      }
    }
    out.finite = out.finite && J.topRows(rows_in_j).allFinite();
  };
  // The longest items first.
  for (int part = num_parts - 1; part >= 0; --part)
    items.insert(items.begin(), [&jacobian, part] { jacobian(part); });
  detail::ParallelFor(static_cast<int>(items.size()),
                      detail::WorkerThreads(
                          threads, 2.0 * static_cast<double>(items.size()) * n),
                      [&](int, int item) { items[item](); });
  // The parts in order: sums, flags, and the factor of the stacked factors.
  Eigen::MatrixXd J;
  int rows_in_j = 0;
  std::vector<unsigned char> unit_basis(P, 1);
  double rss = 0.0, loss_sum = 0.0;
  bool finite = true;
  for (const Part& part : parts) {
    rss += part.rss;
    loss_sum += part.loss_sum;
    finite = finite && part.finite;
    for (int k = 0; k < P; ++k)
      unit_basis[k] = unit_basis[k] && part.unit_basis[k];
  }
  if (num_parts == 1) {
    J = std::move(parts[0].J);
    rows_in_j = parts[0].rows_in_j;
  } else if (finite && F > 0) {
    Eigen::MatrixXd stacked(parts[0].rows_in_j + parts[1].rows_in_j, F);
    stacked << parts[0].J.topRows(parts[0].rows_in_j),
        parts[1].J.topRows(parts[1].rows_in_j);
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(stacked);
    J = qr.matrixQR().topRows(F).triangularView<Eigen::Upper>();
    rows_in_j = F;
  }

  // Magnitudes no run of a scaling study has: the column is in other units.
  auto magnitude = [&](const std::string& name, double largest,
                       double threshold, const char* what, const char* hint) {
    if (!(largest < threshold) || obs.units.count(name)) return;
    warn("implausible_magnitude",
         "every " + name + " is below " + FormatShort(threshold, 3) + " " +
             what + " (largest " + FormatShort(largest, 6) + "): if " + name +
             " is in " + hint + ", pass units={'" + name + "': ...} (CLI " +
             "--units " + name + "=...), e.g. 1e6 for millions; pass units={'" +
             name + "': 1} if these are plain counts");
  };
  for (int j = 0; j < k_in; ++j) {
    const double largest = *std::max_element(cols[j].begin(), cols[j].end());
    if (obs.input_names[j] == "N")
      magnitude("N", largest, kMinPlausibleParams, "parameters",
                "millions or billions of parameters");
    if (obs.input_names[j] == "D")
      magnitude("D", largest, kMinPlausibleTokens, "tokens",
                "millions or billions of tokens");
  }
  if (!obs.compute.empty() || iC >= 0) {
    const double largest = *std::max_element(compute.begin(), compute.end());
    magnitude("C", largest, kMinPlausibleFlops, "FLOPs",
              "PF-days (8.64e19 FLOPs) or another unit");
  }

  if (!converged) {
    warn("not_converged",
         "the fit did not converge (" + message +
             "): the diagnostics describe the point where the solver "
             "stopped, not an optimum; fix the fit first (more iterations, "
             "other starts or bounds)");
  }
  if (n < 3 * std::max(F, 1)) {
    warn("few_points",
         "only " + std::to_string(n) + " runs for " + std::to_string(F) +
             " free parameters: each run must pin down several parameters "
             "at once, so noise in any run moves the fit; aim for at least "
             "3 runs per free parameter");
  }
  // The design checks speak of power laws in positive inputs; a link law
  // (a task loss in, a metric out) has neither.
  for (int j = 0; j < k_in && info.positive_data; ++j) {
    const std::string& name = d.input_names[j];
    if (d.num_distinct[j] < kFewDistinct) {
      warn("few_distinct",
           "only " + std::to_string(d.num_distinct[j]) + " distinct " +
               Plural(name) + ": a power law with a floor in " + name +
               " has up to 3 unknowns, so " +
               (d.num_distinct[j] < 3 ? "it cannot be determined at all"
                                      : "there is almost nothing left to "
                                        "check its shape") +
               "; train at least 5 different " + Plural(name) +
               " spread over a decade or more");
    }
    if (d.span_decades[j] < kNarrowSpanDecades) {
      warn("narrow_span",
           name + " spans only " + FormatShort(d.span_decades[j], 2) +
               " decades: exponents measured over less than one decade are "
               "unreliable when extrapolated by several; widen the range of " +
               Plural(name));
    }
  }
  // All runs at one compute budget (one isoFLOP profile) of a law in N and
  // D: the data say nothing about how the loss changes with compute, which
  // is what allocation extrapolates. (A law with a C input gets
  // few_distinct above.)
  if (iC < 0 && d.has_compute && n > 1 && d.num_distinct_compute == 1) {
    d.identified = false;
    warn("single_budget",
         "all " + std::to_string(n) +
             " runs use the same compute budget "
             "(C = " +
             compute_source +
             ", one isoFLOP profile): the runs trade N against D at "
             "fixed compute but never change compute, so how the loss scales "
             "with compute (and the compute-optimal allocation) is "
             "extrapolated from curvature alone; add runs at other budgets, "
             "spread over a decade or more");
  }

  // The floor: a linear parameter whose basis function is the constant 1.
  for (int k = 0; k < P && finite; ++k) {
    if (!info.params[k].linear) continue;
    if (unit_basis[k]) {
      d.floor_name = info.params[k].name;
      d.floor_value = p[k];
      break;
    }
  }
  d.min_loss = *std::min_element(obs.loss.begin(), obs.loss.end());

  std::vector<int> exponent_cols;
  for (int k : free_params) {
    if (!info.params[k].linear) {
      d.exponent_names.push_back(info.params[k].name);
      exponent_cols.push_back(column[k]);
    }
  }
  d.exponent_rel_se.assign(d.exponent_names.size(), kInf);

  if (!finite) {
    d.condition_number = kInf;
    d.identified = false;
    warn("unidentified",
         "the law is not finite (or not positive) at some runs at these "
         "parameters, so its sensitivity cannot be measured; the fit is not "
         "usable for extrapolation");
  } else if (F > 0) {
    Eigen::MatrixXd Js = J.topRows(rows_in_j);
    const Eigen::VectorXd norms = Js.colwise().norm();
    bool zero_column = false;
    for (int c = 0; c < F; ++c) zero_column = zero_column || !(norms[c] > 0);
    for (int c = 0; c < F; ++c)
      if (norms[c] > 0) Js.col(c) /= norms[c];
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(Js, Eigen::ComputeThinV);
    const Eigen::VectorXd s = svd.singularValues();
    const double smax = s.size() ? s[0] : 0.0;
    const double smin = s.size() ? s[s.size() - 1] : 0.0;
    d.condition_number =
        (zero_column || !(smin > 0) || n < F) ? kInf : smax / smin;
    const bool singular = !(d.condition_number <= kRankDeficient);
    const double dof = std::max(1, n - F);
    const double sigma_hat = std::sqrt(rss / dof);
    const double floor_sigma =
        in_log ? kSigmaFloor : kSigmaFloor * (loss_sum / n);
    d.sigma = std::max(sigma_hat, floor_sigma);
    // (JsᵀJs)⁻¹ = V S⁻² Vᵀ (pseudo-inverse when singular).
    const Eigen::MatrixXd& V = svd.matrixV();
    Eigen::VectorXd inv_s2(s.size());
    for (int t = 0; t < s.size(); ++t)
      inv_s2[t] = s[t] > 1e-14 * smax ? 1.0 / (s[t] * s[t]) : 0.0;
    const Eigen::MatrixXd cov_s = V * inv_s2.asDiagonal() * V.transpose();
    std::vector<std::string> col_name(F);
    for (int c = 0; c < F; ++c) col_name[c] = info.params[free_params[c]].name;
    for (int a = 0; a < F; ++a)
      for (int b = a + 1; b < F; ++b) {
        const double den = std::sqrt(cov_s(a, a) * cov_s(b, b));
        if (!(den > 0)) continue;
        d.correlations.push_back(
            ParamCorrelation{col_name[a], col_name[b],
                             std::clamp(cov_s(a, b) / den, -1.0, 1.0)});
      }
    std::stable_sort(d.correlations.begin(), d.correlations.end(),
                     [](const ParamCorrelation& x, const ParamCorrelation& y) {
                       return std::abs(x.value) > std::abs(y.value);
                     });
    for (size_t e = 0; e < exponent_cols.size(); ++e) {
      const int c = exponent_cols[e];
      const double value = std::abs(p[free_params[c]]);
      if (!singular && norms[c] > 0 && value > 0) {
        const double se = d.sigma * std::sqrt(cov_s(c, c)) / norms[c];
        d.exponent_rel_se[e] = se / value;
      }
    }
    if (singular) {
      d.identified = false;
      warn("unidentified",
           "the runs cannot determine all parameters at once (the scaled "
           "Jacobian is rank deficient, condition number " +
               FormatShort(d.condition_number, 3) +
               "): several parameter combinations fit equally well; add runs "
               "that vary each input on its own, or fix or tie parameters");
    } else if (d.condition_number > kIllConditioned) {
      warn("ill_conditioned",
           "the fit is ill-conditioned (condition number of the scaled "
           "Jacobian " +
               FormatShort(d.condition_number, 3) +
               "): some parameter combinations are barely constrained, so "
               "small changes in the data move them a lot; add runs that "
               "vary each input on its own");
    }
    // Trouble pairs: exponents and the floor only.
    auto watched = [&](const std::string& name) {
      if (name == d.floor_name) return true;
      return std::find(d.exponent_names.begin(), d.exponent_names.end(),
                       name) != d.exponent_names.end();
    };
    if (!singular) {
      for (const auto& c : d.correlations) {
        if (std::abs(c.value) < kHighCorrelation) break;
        if (!watched(c.first) || !watched(c.second)) continue;
        warn("high_correlation",
             c.first + " and " + c.second + " are correlated at " +
                 FormatShort(c.value, 4) +
                 ": the runs pin down a combination of the two, not each "
                 "one; runs that move one without the other separate them");
      }
    }
    if (!singular) {
      for (size_t e = 0; e < d.exponent_names.size(); ++e) {
        if (d.exponent_rel_se[e] > kMaxRelSe) {
          d.identified = false;
          warn("unidentified",
               d.exponent_names[e] +
                   " is not identified: its standard error "
                   "(Gauss-Newton, noise at least 0.1%) is " +
                   FormatPercent(d.exponent_rel_se[e]) +
                   " of its value, so any extrapolation inherits that "
                   "uncertainty; add runs that vary the input it acts on");
        }
      }
    }
  }

  // Tokens per parameter: alpha vs beta (only if two exponents are free).
  if (d.has_tokens_per_param && d.exponent_names.size() >= 2) {
    const double spread = d.tokens_per_param_spread_decades;
    if (spread < kSingleRatioDecades) {
      warn("single_ratio",
           "all runs use ~" + FormatShort(d.tokens_per_param_median, 3) +
               " tokens per parameter (D/N from " +
               FormatShort(d.tokens_per_param_min, 4) + " to " +
               FormatShort(d.tokens_per_param_max, 4) +
               "): N and D always grow together, so the N and D exponents "
               "(" +
               d.exponent_names[0] + " and " + d.exponent_names[1] +
               ") cannot be told apart; add runs at other ratios (e.g. 5 and "
               "100 tokens per parameter at the same budgets)");
    } else if (spread < kNarrowRatioDecades) {
      warn("narrow_ratio",
           "tokens per parameter vary only " +
               FormatShort(std::pow(10.0, spread), 3) + "-fold (D/N from " +
               FormatShort(d.tokens_per_param_min, 4) + " to " +
               FormatShort(d.tokens_per_param_max, 4) +
               "): the N and D exponents are separated only by this "
               "variation; add runs at more extreme ratios");
    }
  }

  // Bounds.
  for (int k = 0; k < P; ++k) {
    const ParamValue& pv = params[k];
    if (!pv.at_bound) continue;
    d.at_bound.push_back(pv.name);
    const bool lower =
        std::abs(pv.value - pv.lower) <= std::abs(pv.value - pv.upper);
    const bool exponent = !info.params[k].linear;
    if (exponent) d.identified = false;
    warn("at_bound",
         pv.name + " = " + FormatShort(pv.value, 6) + " sits at its " +
             (lower ? "lower" : "upper") + " bound " +
             FormatShort(lower ? pv.lower : pv.upper, 6) +
             ": the data pull it past the bound, so its value is set by the "
             "bound, not by the runs" +
             (exponent ? " (and extrapolation follows the bound)" : "") +
             "; widen the bound if that is physical, otherwise the design "
             "cannot determine " +
             pv.name);
  }

  // The floor at the smallest observed loss: closer than 1%, or than two
  // noise standard deviations (relative), is indistinguishable from it.
  const double rel_sigma =
      in_log ? d.sigma : (loss_sum > 0 ? d.sigma / (loss_sum / n) : 0.0);
  const double gap = std::max(kFloorGap, 2.0 * rel_sigma);
  if (!d.floor_name.empty() && d.floor_value >= (1.0 - gap) * d.min_loss) {
    d.floor_at_min_loss = true;
    warn("floor_at_min_loss",
         "the irreducible loss " + d.floor_name + " = " +
             FormatShort(d.floor_value, 6) + " is within " +
             FormatPercent(gap) +
             " (the larger of 1% and two noise standard deviations) of, or "
             "above, the smallest observed loss " +
             FormatShort(d.min_loss, 6) +
             ": the fit says the best runs already sit on the floor, so it "
             "predicts no further gain from scale; the floor is not "
             "identified. Add larger runs, or fix " +
             d.floor_name + " from other evidence");
  }
  return d;
}

}  // namespace detail

Diagnostics Diagnose(const LawModel& law, const Observations& obs,
                     const std::vector<ParamValue>& params, Objective objective,
                     bool converged, const std::string& message,
                     const FlopModel* flops, const DataSummary* summary,
                     int threads) {
  return detail::DiagnoseOnRows(law, obs, params, objective, converged, message,
                                flops, summary, threads, nullptr);
}

Diagnostics Diagnose(const FitResult& r) {
  if (!r.has_data || !r.data || !r.law) return Diagnostics();
  const FlopModel flops = r.flop_model();
  return Diagnose(*r.law, *r.data, r.params, r.options.objective, r.converged,
                  r.message, &flops);
}

void RequireIdentified(const FitResult& fit, bool allow_unidentified) {
  if (allow_unidentified || !fit.fitted) return;
  Diagnostics d = fit.diagnostics.computed ? fit.diagnostics : Diagnose(fit);
  if (!d.computed) return;
  if (d.identified && !d.profile_checked && fit.has_data && fit.data &&
      fit.diagnostics.computed) {
    // Fitted without the profile check (FitOptions::profile_check): run it
    // now, on a copy, before anything is built on the claim.
    FitResult checked = fit;
    CheckIdentification(&checked);
    d = checked.diagnostics;
  }
  if (d.identified) return;
  throw NotIdentified(
      "the exponents of this '" + (fit.law ? fit.law->info().name : "?") +
      "' fit are not identified by its runs, so extrapolating from it would "
      "report numbers the data do not support:\n" +
      d.WarningText() +
      "Fix the design (see the warnings), or pass allow_unidentified=true "
      "(Python: allow_unidentified=True) to proceed anyway.");
}

std::string NotConvergedNote(const FitResult& fit) {
  if (!fit.fitted || fit.converged) return "";
  return "WARNING: computed from a fit that did not converge (" + fit.message +
         ")\n";
}

std::string UnidentifiedNote(const FitResult& fit) {
  if (!fit.fitted) return "";
  const Diagnostics d =
      fit.diagnostics.computed ? fit.diagnostics : Diagnose(fit);
  if (!d.computed || d.identified) return "";
  return "WARNING: computed from a fit whose exponents are not identified "
         "(allow_unidentified):\n" +
         d.WarningText();
}

}  // namespace scalefit
