// Writing fit cards (fit_card.hpp): a result as JSON at full precision.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "fit_card/fit_card_internal.hpp"
#include "scalefit/detail/files.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit_card.hpp"
#include "scalefit/version.hpp"

namespace scalefit {

namespace {

using detail::Json;

// A double that may be infinite: JSON has no infinity, so ±inf are strings.
// nlohmann writes finite doubles in shortest round-trip form.
Json Number(double v) {
  if (std::isnan(v)) throw InvalidArgument("fit card: cannot write NaN");
  if (std::isinf(v)) return v > 0 ? Json("inf") : Json("-inf");
  return Json(v);
}

// Diagnostics may hold NaN (e.g. correlations of a singular design), and
// given parameters have no certification: written as the string "nan" and
// read back as NaN.
Json AnyNumber(double v) { return std::isnan(v) ? Json("nan") : Number(v); }

Json DoubleArray(const std::vector<double>& v) {
  Json a = Json::array();
  for (double x : v) a.push_back(Number(x));
  return a;
}

Json WriteOptions(const FitOptions& o) {
  Json j;
  Json init = Json::object();
  for (const auto& [k, v] : o.init) init[k] = Number(v);
  j["init"] = init;
  Json bounds = Json::object();
  for (const auto& [k, b] : o.bounds)
    bounds[k] = Json::array({Number(b.first), Number(b.second)});
  j["bounds"] = bounds;
  j["fixed"] = o.fixed;
  Json ties = Json::array();
  for (const auto& [f, l] : o.ties) ties.push_back(Json::array({f, l}));
  j["ties"] = ties;
  j["start"] = o.start;
  Json grid = Json::object();
  for (const auto& [k, v] : o.grid) grid[k] = DoubleArray(v);
  j["grid"] = grid;
  j["grid_points"] = o.grid_points;
  j["max_grid_cells"] = o.max_grid_cells;
  j["max_scoring_rows"] = o.max_scoring_rows;
  j["num_polish"] = o.num_polish;
  j["max_iterations"] = o.max_iterations;
  j["function_tolerance"] = Number(o.function_tolerance);
  j["parameter_tolerance"] = Number(o.parameter_tolerance);
  j["gradient_tolerance"] = Number(o.gradient_tolerance);
  j["screening_tolerance"] = Number(o.screening_tolerance);
  j["num_refined"] = o.num_refined;
  j["num_threads"] = o.num_threads;
  j["compute_tolerance"] = Number(o.compute_tolerance);
  j["profile_check"] = o.profile_check;
  return j;
}

Json WriteArchitecture(const std::optional<flops::Architecture>& a) {
  if (!a) return Json(nullptr);
  Json j;
  j["n_layers"] = a->n_layers;
  j["d_model"] = a->d_model;
  j["n_heads"] = a->n_heads;
  j["d_ff"] = a->d_ff;
  j["ff_ratio"] = Number(a->ff_ratio);
  j["vocab_size"] = a->vocab_size;
  j["seq_len"] = a->seq_len;
  j["kv_size"] = a->kv_size;
  return j;
}

Json WriteSummary(const DataSummary& s) {
  Json j;
  j["num_rows"] = s.num_rows;
  Json inputs = Json::array();
  for (size_t k = 0; k < s.input_names.size(); ++k) {
    Json in;
    in["name"] = s.input_names[k];
    in["min"] = Number(k < s.min.size() ? s.min[k] : 0.0);
    in["max"] = Number(k < s.max.size() ? s.max[k] : 0.0);
    in["num_distinct"] = k < s.num_distinct.size() ? s.num_distinct[k] : 0;
    inputs.push_back(in);
  }
  j["inputs"] = inputs;
  j["loss_min"] = Number(s.loss_min);
  j["loss_max"] = Number(s.loss_max);
  j["compute_min"] = Number(s.compute_min);
  j["compute_max"] = Number(s.compute_max);
  j["compute_source"] = s.compute_source;
  j["hash"] = FormatHash(s.hash);
  return j;
}

Json AnyArray(const std::vector<double>& v) {
  Json a = Json::array();
  for (double x : v) a.push_back(AnyNumber(x));
  return a;
}

Json WriteDiagnostics(const Diagnostics& d) {
  Json j;
  j["computed"] = d.computed;
  j["identified"] = d.identified;
  Json warnings = Json::array();
  for (const auto& w : d.warnings)
    warnings.push_back({{"code", w.code}, {"message", w.message}});
  j["warnings"] = warnings;
  j["num_points"] = d.num_points;
  j["num_free_params"] = d.num_free_params;
  j["input_names"] = d.input_names;
  j["num_distinct"] = d.num_distinct;
  j["span_decades"] = AnyArray(d.span_decades);
  j["has_compute"] = d.has_compute;
  j["num_distinct_compute"] = d.num_distinct_compute;
  j["compute_span_decades"] = AnyNumber(d.compute_span_decades);
  j["has_tokens_per_param"] = d.has_tokens_per_param;
  j["tokens_per_param_min"] = AnyNumber(d.tokens_per_param_min);
  j["tokens_per_param_median"] = AnyNumber(d.tokens_per_param_median);
  j["tokens_per_param_max"] = AnyNumber(d.tokens_per_param_max);
  j["tokens_per_param_spread_decades"] =
      AnyNumber(d.tokens_per_param_spread_decades);
  j["condition_number"] = AnyNumber(d.condition_number);
  Json corr = Json::array();
  for (const auto& c : d.correlations)
    corr.push_back({{"first", c.first},
                    {"second", c.second},
                    {"value", AnyNumber(c.value)}});
  j["correlations"] = corr;
  j["sigma"] = AnyNumber(d.sigma);
  j["exponent_names"] = d.exponent_names;
  j["exponent_rel_se"] = AnyArray(d.exponent_rel_se);
  j["at_bound"] = d.at_bound;
  j["floor_name"] = d.floor_name;
  j["floor_value"] = AnyNumber(d.floor_value);
  j["min_loss"] = AnyNumber(d.min_loss);
  j["floor_at_min_loss"] = d.floor_at_min_loss;
  // The profile check (uncertainty/profile.hpp): flat profiles with their
  // range, and other optima with both parameter sets.
  j["profile_checked"] = d.profile_checked;
  Json weak = Json::array();
  for (const auto& w : d.weak_parameters)
    weak.push_back({{"name", w.name},
                    {"estimate", AnyNumber(w.estimate)},
                    {"lower", AnyNumber(w.lower)},
                    {"upper", AnyNumber(w.upper)},
                    {"level", AnyNumber(w.level)},
                    {"reason", w.reason}});
  j["weak_parameters"] = weak;
  Json basins = Json::array();
  for (const auto& b : d.competing_basins)
    basins.push_back({{"params", AnyArray(b.params)},
                      {"objective", AnyNumber(b.objective)},
                      {"deviance", AnyNumber(b.deviance)}});
  j["competing_basins"] = basins;
  return j;
}

Json WriteData(const Observations& obs) {
  Json j;
  j["input_names"] = obs.input_names;
  Json cols = Json::object();
  const int k = obs.num_inputs();
  for (int c = 0; c < k; ++c) {
    Json col = Json::array();
    for (int i = 0; i < obs.num_rows(); ++i)
      col.push_back(Number(obs.x[i * k + c]));
    cols[obs.input_names[c]] = col;
  }
  j["inputs"] = cols;
  j["loss"] = DoubleArray(obs.loss);
  j["weights"] = DoubleArray(obs.weights);
  j["groups"] = obs.groups;
  j["compute"] = DoubleArray(obs.compute);
  return j;
}

// True when `info` is the built-in law of the same name (same formula,
// parameters and inputs); otherwise the card carries the law's definition.
bool IsBuiltin(const LawInfo& info) {
  const auto names = BuiltinLawNames();
  if (std::find(names.begin(), names.end(), info.name) == names.end())
    return false;
  const LawInfo& b = GetLaw(info.name)->info();
  return b.formula == info.formula && b.param_names() == info.param_names() &&
         b.input_names == info.input_names;
}

Json WriteDefinition(const LawInfo& info) {
  Json params = Json::array();
  for (const auto& p : info.params) {
    params.push_back({{"name", p.name},
                      {"positive", p.positive},
                      {"linear", p.linear},
                      {"lower", Number(p.lower)},
                      {"upper", Number(p.upper)},
                      {"start_lo", Number(p.start_lo)},
                      {"start_hi", Number(p.start_hi)},
                      {"init", Number(p.init)}});
  }
  // A formula is rebuilt from law.formula; code (a function, a functor that
  // is not built in) cannot travel in a card: reading it needs the law.
  const char* kind = info.origin == LawInfo::Origin::kFormula    ? "formula"
                     : info.origin == LawInfo::Origin::kFunction ? "function"
                                                                 : "functor";
  return {{"kind", kind}, {"params", params}};
}

}  // namespace

std::string FitCardToString(const FitResult& r, const FitCardOptions& options) {
  if (!r.law) throw InvalidArgument("fit card: the result has no law");
  const LawInfo& info = r.law->info();
  Json j;
  j["format"] = detail::kFitCardFormatName;
  j["format_version"] = kFitCardFormatVersion;
  j["scalefit_version"] = kVersion;
  j["law"] = {{"name", info.name},
              {"formula", info.formula},
              {"inputs", info.input_names}};
  if (!IsBuiltin(info)) j["law"]["definition"] = WriteDefinition(info);
  Json params = Json::array();
  for (const auto& p : r.params) {
    if (!std::isfinite(p.value))
      throw InvalidArgument("fit card: parameter '" + p.name +
                            "' is not finite");
    Json pj;
    pj["name"] = p.name;
    pj["value"] = p.value;
    pj["lower"] = Number(p.lower);
    pj["upper"] = Number(p.upper);
    pj["fixed"] = p.fixed;
    pj["tied_to"] = p.tied_to.empty() ? Json(nullptr) : Json(p.tied_to);
    pj["at_bound"] = p.at_bound;
    params.push_back(pj);
  }
  j["parameters"] = params;
  j["objective"] = {{"name", ToString(r.options.objective)},
                    {"delta", Number(r.options.delta)},
                    {"value", Number(r.objective)}};
  j["flops"] = {{"convention", r.options.flop_convention},
                {"architecture", WriteArchitecture(r.options.architecture)}};
  Json units = Json::object();
  for (const auto& [name, f] : r.units) units[name] = Number(f);
  j["units"] = units;
  // "fitted": the result came from a fit on data (its claims travel with
  // it, with or without the data); false for given parameters.
  j["fit"] = {{"fitted", r.fitted},
              {"converged", r.converged},
              {"relative_gradient", AnyNumber(r.relative_gradient)},
              {"certification_threshold", kMaxRelativeGradient},
              {"message", r.message},
              {"iterations", r.iterations},
              {"num_starts", r.num_starts},
              {"num_best_basin", r.num_best_basin},
              {"screened", r.screened},
              {"start", r.start},
              {"num_points", r.num_points}};
  // How the fit evaluated the law (instruction_set.hpp); absent for given
  // parameters.
  if (!r.instruction_set.empty())
    j["fit"]["instruction_set"] = r.instruction_set;
  j["options"] = WriteOptions(r.options);
  j["data_summary"] = WriteSummary(r.data_summary);
  j["diagnostics"] = WriteDiagnostics(r.diagnostics);
  if (options.include_data && r.data) j["data"] = WriteData(*r.data);
  j["digest"] = detail::MakeDigest(j);
  std::string out = j.dump(options.indent);
  out += "\n";
  return out;
}

void SaveFitCard(const FitResult& result, const std::string& path,
                 const FitCardOptions& options) {
  detail::CheckPath(path, "fit card");
  const std::string text = FitCardToString(result, options);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw InvalidArgument("fit card: cannot open '" + path + "' for writing");
  out << text;
  out.close();
  if (!out) throw InvalidArgument("fit card: failed writing '" + path + "'");
}

}  // namespace scalefit
