// FitResult's methods (fit.hpp): values, predictions, residuals, reports.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/detail/text_table.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

// Rows of inputs (row-major, law input order) in the law's domain: laws of
// positive inputs (N, D, C) need finite values > 0, link laws any finite
// value. Throws naming `what`, the input and the row.
void CheckInputRows(const LawInfo& info, const std::vector<double>& x,
                    const char* what) {
  const int k = info.num_inputs();
  const bool positive = info.positive_data;
  for (size_t i = 0; k > 0 && i < x.size() / k; ++i)
    for (int j = 0; j < k; ++j) {
      const double v = x[i * k + j];
      if (!std::isfinite(v) || (positive && !(v > 0)))
        throw InvalidArgument(
            std::string(what) + ": input '" + info.input_names[j] + "', row " +
            std::to_string(i) + " (0-based) must be finite" +
            (positive ? " and > 0" : "") + " (got " + FormatFull(v) + ")");
    }
}

}  // namespace

std::vector<double> FitResult::ComputeAt(const std::vector<double>& x) const {
  const LawInfo& info = law->info();
  const int k = info.num_inputs();
  if (x.size() % k != 0)
    throw InvalidArgument("ComputeAt: inputs hold " + std::to_string(x.size()) +
                          " values, not a multiple of the law's " +
                          std::to_string(k) + " inputs");
  Observations obs;
  obs.input_names = info.input_names;
  obs.x = x;
  obs.loss.assign(x.size() / k, 1.0);
  const FlopModel flops = flop_model();
  return RunCompute(obs, &flops);
}

std::vector<double> FitResult::DecadesBeyondData(
    const std::vector<double>& x) const {
  const LawInfo& info = law->info();
  const int k = info.num_inputs();
  const std::vector<double> c = ComputeAt(x);
  CheckInputRows(info, x, "decades_beyond_data");
  const size_t n = x.size() / k;
  std::vector<double> out(n, std::numeric_limits<double>::quiet_NaN());
  if (!fitted) return out;
  for (size_t i = 0; i < n; ++i) {
    if (!c.empty() && !std::isfinite(c[i])) {
      // Reached from every forecast (predict, intervals, tables): the
      // message names the inputs, not this function.
      std::string inputs;
      for (int j = 0; j < k; ++j)
        inputs += (j ? ", " : "") + info.input_names[j] + " = " +
                  FormatFull(x[i * k + j]);
      throw InvalidArgument(
          "inputs row " + std::to_string(i) + " (0-based): the compute C = " +
          flop_model().name() + " of " + inputs +
          " is not a finite number of FLOPs (it overflows a double), so how "
          "far this lies beyond the fitted runs is undefined: inputs that "
          "large are not training runs; check their units");
    }
    if (!c.empty()) {
      // C = 0 of positive inputs (CheckInputRows) is an underflow (N·D
      // below about 1e-308): far below the data, no decades beyond it.
      if (data_summary.compute_max > 0)
        out[i] =
            c[i] > 0
                ? std::max(0.0, std::log10(c[i] / data_summary.compute_max))
                : 0.0;
      continue;
    }
    double worst = 0.0;
    for (int j = 0; j < k && j < static_cast<int>(data_summary.max.size()); ++j)
      if (data_summary.max[j] > 0 && x[i * k + j] > 0)
        worst = std::max(worst, std::log10(x[i * k + j] / data_summary.max[j]));
    out[i] = worst;
  }
  return out;
}

std::string FitResult::ExtrapolationWarning(const std::vector<double>& x,
                                            double threshold) const {
  if (!fitted) return "";
  return detail::ExtrapolationNote(ComputeAt(x), DecadesBeyondData(x),
                                   data_summary.compute_max, threshold);
}

namespace detail {

std::string ExtrapolationNote(const std::vector<double>& C,
                              const std::vector<double>& decades,
                              double compute_max, double threshold) {
  std::vector<size_t> far;
  for (size_t i = 0; i < decades.size(); ++i)
    if (decades[i] > threshold) far.push_back(i);
  if (far.empty()) return "";
  const bool with_c = C.size() == decades.size();
  std::string rows;
  for (size_t j = 0; j < far.size() && j < 6; ++j)
    rows += (j ? ", " : "") + std::to_string(far[j]) + " (" +
            (with_c ? "C = " + FormatShort(C[far[j]], 3) + ", " : "") +
            FormatShort(decades[far[j]], 3) + " decades)";
  if (far.size() > 6) rows += ", ...";
  const std::string beyond =
      with_c ? " decades of compute beyond the largest fitted run (" +
                   FormatShort(compute_max, 6) + " FLOPs)"
             : " decades beyond the largest fitted value of an input";
  return "WARNING: extrapolation: " + std::to_string(far.size()) +
         (far.size() == 1 ? " row lies" : " rows lie") + " more than " +
         FormatShort(threshold, 3) + beyond +
         ", where no data check the law: rows " + rows + "\n";
}

}  // namespace detail

FlopModel FitResult::flop_model() const {
  return FlopModel::FromConvention(
      options.flop_convention,
      options.architecture ? &*options.architecture : nullptr);
}

FlopModel FitResult::ResolveFlops(const FlopModel& flops) const {
  return flops.is_of_fit() ? flop_model() : flops;
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
  CheckInputRows(law->info(), x, "predict");
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
  const bool in_log = InLogSpace(options.objective);
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

namespace {

std::string BoundText(double lo, double hi) {
  return "[" + FormatShort(lo, 6) + ", " + FormatShort(hi, 6) + "]";
}

}  // namespace

std::string FitResult::BriefReport() const {
  std::ostringstream os;
  os << "FitResult(" << (law ? law->info().name : "?") << ": ";
  for (size_t k = 0; k < params.size(); ++k) {
    os << (k ? ", " : "") << params[k].name << "="
       << FormatShort(params[k].value, 6);
  }
  // A loaded fit card may have no data but keeps the fit's claims.
  if (fitted) {
    os << "; " << (converged ? "converged" : "NOT CONVERGED")
       << ", objective=" << FormatShort(objective, 6) << ", n=" << num_points;
  } else {
    os << "; given parameters, no claims";
  }
  os << ")";
  return os.str();
}

std::string FitResult::FullReport(const ParamUncertainty* u) const {
  std::ostringstream os;
  const LawInfo& info = law->info();
  os << "scalefit fit report\n";
  os << "  law:         " << info.name << "    " << info.formula << "\n";
  os << "  FLOP conv.:  " << flop_model().name() << " ("
     << flop_model().description() << ")\n";
  os << "  units:       inputs, predictions and allocations in plain counts";
  if (!units.empty()) {
    os << " (the data were converted:";
    for (const auto& [name, f] : units)
      os << " " << name << " × " << FormatShort(f, 6);
    os << ")";
  }
  os << "\n";
  if (fitted) {
    os << "  data:        " << num_points << " points";
    for (size_t j = 0; j < data_summary.input_names.size(); ++j) {
      os << "; " << data_summary.input_names[j] << " "
         << FormatShort(data_summary.min[j], 4) << ".."
         << FormatShort(data_summary.max[j], 4) << " ("
         << data_summary.num_distinct[j] << " distinct)";
    }
    os << "; loss " << FormatShort(data_summary.loss_min, 5) << ".."
       << FormatShort(data_summary.loss_max, 5) << "\n";
    os << "  objective:   " << ToString(options.objective);
    if (options.objective == Objective::kHuberLog)
      os << " (delta = " << FormatFull(options.delta)
         << " on log residuals, summed)";
    os << "\n";
    os << "  starts:      " << start << ", " << num_starts << " polished, "
       << num_best_basin << " reached the best objective\n";
    if (start == "auto" && options.max_scoring_rows > 0 &&
        num_points > options.max_scoring_rows)
      os << "               (grid cells ranked on at most "
         << options.max_scoring_rows << " of the " << num_points
         << " rows: each input's extremes and an even stride; every solve"
            " used all rows)\n";
    if (screened)
      os << "               (each start screened to a relative decrease of "
         << FormatShort(options.screening_tolerance, 3) << ", the best "
         << options.num_refined << " refined to full tolerance)\n";
    os << "  solver:      Ceres L-BFGS + Levenberg-Marquardt, max "
       << options.max_iterations << " iterations, function tol "
       << FormatShort(options.function_tolerance, 3) << ", parameter tol "
       << FormatShort(options.parameter_tolerance, 3) << "\n";
    if (!instruction_set.empty())
      os << "  evaluation:  " << instruction_set
         << (instruction_set == "scalar" ? " (one row at a time)"
                                         : " batch kernels (SIMD)")
         << "\n";
    os << "  converged:   " << (converged ? "yes" : "NO") << " (" << message
       << "), " << iterations << " iterations";
    if (std::isfinite(relative_gradient))
      os << ", relative gradient " << FormatShort(relative_gradient, 3)
         << " (certified at <= " << FormatShort(kMaxRelativeGradient, 3) << ")";
    os << "\n";
    os << "  minimum:     " << FormatShort(objective, 6)
       << " (objective value)\n";
    if (data_summary.compute_max > 0)
      os << "  compute:     " << FormatShort(data_summary.compute_min, 4)
         << ".." << FormatShort(data_summary.compute_max, 4) << " FLOPs ("
         << data_summary.compute_source << ")\n";
    if (!has_data)
      os << "  data:        not attached (a fit card saved without data); "
            "data hash "
         << FormatHash(data_summary.hash) << "\n";
  } else {
    os << "  source:      " << message << "\n";
  }
  const bool with_u = u != nullptr && u->std_error.size() == params.size();
  if (with_u) {
    std::string logs;
    for (size_t k = 0; k < params.size(); ++k)
      if (k < u->log_scale.size() && u->log_scale[k])
        logs += (logs.empty() ? "" : ", ") + params[k].name;
    os << "  parameters:  std. errors and " << FormatShort(100.0 * u->level, 6)
       << "% intervals by the " << u->method;
    if (!logs.empty()) os << "; intervals of " << logs << " on the log scale";
    os << "\n";
  } else {
    os << "  parameters:" << (fitted ? "" : "  (given: no uncertainty)")
       << "\n";
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head = {"name", "value"};
  if (with_u) {
    head.push_back("std. err.");
    head.push_back(FormatShort(100.0 * u->level, 6) + "% interval");
  }
  if (fitted) head.push_back("bounds");
  head.push_back("");
  rows.push_back(head);
  for (size_t k = 0; k < params.size(); ++k) {
    const ParamValue& p = params[k];
    std::vector<std::string> row = {p.name, FormatShort(p.value, 6)};
    if (with_u) {
      row.push_back(FormatShort(u->std_error[k], 6));
      row.push_back("[" + FormatShort(u->lower[k], 6) + ", " +
                    FormatShort(u->upper[k], 6) + "]");
    }
    if (fitted) row.push_back(BoundText(p.lower, p.upper));
    std::string flags;
    if (p.fixed) flags += "fixed";
    if (!p.tied_to.empty())
      flags += (flags.empty() ? "" : ", ") + ("tied to " + p.tied_to);
    if (p.at_bound)
      flags += (flags.empty() ? "" : ", ") + std::string("AT BOUND");
    row.push_back(flags);
    rows.push_back(row);
  }
  os << detail::TextColumns(rows, "    ");
  if (diagnostics.computed) {  // also for loaded fit cards
    os << "diagnostics\n" << diagnostics.FullReport();
  }
  return os.str();
}

}  // namespace scalefit
