// Problem set-up of the fitting engine: options checked against the law and
// the data, bounds and the parameter map, targets, weights and input logs.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "fit/fit_internal.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/weights.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"

namespace scalefit::detail {

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
                            FormatFull(b.first) + " > upper " +
                            FormatFull(b.second));
    if (info.params[k].positive && b.second <= 0.0)
      throw InvalidArgument("bounds for '" + name + "': '" + name +
                            "' must be > 0, so the upper bound must be > 0");
    s.lower[k] = b.first;
    s.upper[k] = b.second;
  }
  for (const auto& [name, v] : o.init) {
    const int k = info.ParamIndex(name);
    const bool user = o.bounds.count(name) > 0;
    CheckParameterDomain(
        "init for", name, v, s.lower[k], s.upper[k], info.params[k].positive,
        user ? "its bounds (widen them with bounds=)"
             : "the domain of law '" + info.name + "' (widen it with bounds=)");
    s.init[k] = v;
  }
  // Equal bounds hold a parameter at that value, as `fixed` does (Ceres
  // cannot move inside a zero-width box).
  for (int k = 0; k < P; ++k) {
    if (s.lower[k] == s.upper[k]) s.init[k] = s.lower[k];
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
  for (int k = 0; k < P; ++k) {
    if (s.lower[k] == s.upper[k]) {
      s.fixed[k] = 1;
      s.map.constant[k] = 1;
    }
  }
  for (const auto& [follower, leader] : o.ties) {
    const int f = info.ParamIndex(follower);
    const int l = info.ParamIndex(leader);
    if (f == l)
      throw InvalidArgument("cannot tie '" + follower + "' to itself");
    if (s.map.source[f] != f)
      throw InvalidArgument("'" + follower + "' is tied twice: to '" +
                            s.tied_to[f] + "' and to '" + leader +
                            "'; a parameter follows one leader");
    if (s.fixed[f])
      throw InvalidArgument(
          "'" + follower + "' is both fixed (by `fixed` or equal bounds) and " +
          "tied");
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
    for (const auto& n : info.input_names)
      want += (want.empty() ? "" : ", ") + n;
    for (const auto& n : data.input_names) got += (got.empty() ? "" : ", ") + n;
    throw InvalidArgument("law '" + info.name + "' takes inputs (" + want +
                          ") but the data has (" + got + ")");
  }
  ValidateObservations(data, s.num_free + 1, info.positive_data);
  const int n = data.num_rows();
  const bool in_log = InLogSpace(o.objective);
  if (in_log && !info.positive_data) {
    for (int i = 0; i < n; ++i) {
      if (!(data.loss[i] > 0.0)) {
        throw InvalidArgument(
            "row " + std::to_string(i) + " (0-based): value " +
            FormatFull(data.loss[i]) + " of '" + info.name +
            "' is not > 0, which objective '" + ToString(o.objective) +
            "' (log space) needs; use objective 'mse'");
      }
    }
  }
  s.target.resize(n);
  s.sqrt_w.resize(n);
  const NormalizedWeights w = NormalizeWeights(data);
  s.weight_scale = w.scale;
  const int ni = data.num_inputs();
  const int stride = (n + 7) / 8 * 8;
  s.log_x.resize(data.x.size());
  s.col_x.resize(static_cast<size_t>(ni) * stride);
  s.col_log_x.resize(static_cast<size_t>(ni) * stride);
  // Row by row, each value written once from its own row (so the same on
  // any number of threads): the targets, the root weights, the input logs
  // (laws without positive data, link laws, never read these), and the
  // batch layout: column-major, padded to a multiple of 8 rows with
  // weight-0 copies of the last row (finite wherever the last row is).
  // Large data sets split the rows across the fit's threads.
  constexpr int kSetupChunkRows = 16384;
  const int chunks = (stride + kSetupChunkRows - 1) / kSetupChunkRows;
  const int threads = n >= kLargeDataRows ? ResolveThreads(o.num_threads) : 1;
  ParallelFor(chunks, threads, [&](int, int c) {
    const int begin = c * kSetupChunkRows;
    const int end = std::min(stride, begin + kSetupChunkRows);
    for (int i = begin; i < std::min(end, n); ++i) {
      s.target[i] = in_log ? std::log(data.loss[i]) : data.loss[i];
      s.sqrt_w[i] = std::sqrt(w.w[i]);
      for (int k = 0; k < ni; ++k) {
        const size_t at = static_cast<size_t>(i) * ni + k;
        s.log_x[at] = data.x[at] > 0.0 ? std::log(data.x[at]) : -kInf;
      }
    }
    for (int k = 0; k < ni; ++k) {
      double* col = s.col_x.data() + static_cast<size_t>(k) * stride;
      double* col_log = s.col_log_x.data() + static_cast<size_t>(k) * stride;
      for (int i = begin; i < end; ++i) {
        // Padding rows copy row n − 1, whose logs this chunk wrote above
        // (chunks are multiples of 8 rows, so the padding never starts one).
        const size_t from = static_cast<size_t>(i < n ? i : n - 1) * ni + k;
        col[i] = data.x[from];
        col_log[i] = s.log_x[from];
      }
    }
  });
  s.pd.num_rows = n;
  s.pd.num_inputs = ni;
  s.pd.x = data.x.data();
  s.pd.log_x = s.log_x.data();
  s.target.resize(stride, s.target[n - 1]);
  s.sqrt_w.resize(stride, 0.0);
  s.pd.batch = {n,
                stride,
                s.col_x.data(),
                s.col_log_x.data(),
                s.target.data(),
                s.sqrt_w.data()};
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

void ClampInternal(const Setup& s, std::vector<double>* z) {
  for (int k = 0; k < s.P; ++k) {
    if (s.map.constant[k]) continue;
    (*z)[k] = std::clamp((*z)[k], s.pd.lower[k], s.pd.upper[k]);
  }
}

SolveSettings SettingsFor(const FitOptions& o) {
  return SolveSettings(o.max_iterations, o.function_tolerance,
                       o.parameter_tolerance, o.gradient_tolerance);
}

}  // namespace scalefit::detail
