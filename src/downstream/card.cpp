// Task-chain cards: a TaskChain as JSON and back (downstream/chain.hpp).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "fit_card/fit_card_internal.hpp"
#include "scalefit/detail/files.hpp"
#include "scalefit/downstream/chain.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit_card.hpp"
#include "scalefit/version.hpp"

namespace scalefit::downstream {

namespace {

using Json = scalefit::detail::Json;
constexpr const char* kFormat = "scalefit.task_chain";
constexpr int kVersion = 1;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// JSON has no NaN or infinity: NaN → null, ±inf → "inf" / "-inf".
Json Num(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}
Json Nums(const std::vector<double>& v) {
  Json a = Json::array();
  for (double x : v) a.push_back(Num(x));
  return a;
}

struct Reader {
  std::string source;
  [[noreturn]] void Fail(const std::string& field,
                         const std::string& what) const {
    throw InvalidArgument("task-chain card " + source + ": " + field + " " +
                          what);
  }
  const Json& At(const Json& j, const std::string& key,
                 const std::string& path) const {
    if (!j.is_object() || !j.contains(key)) Fail(path + key, "is missing");
    return j.at(key);
  }
  double Double(const Json& j, const std::string& field) const {
    if (j.is_null()) return kNaN;
    if (j.is_string()) {
      const std::string s = j.get<std::string>();
      if (s == "inf") return std::numeric_limits<double>::infinity();
      if (s == "-inf") return -std::numeric_limits<double>::infinity();
      Fail(field, "is not a number");
    }
    if (!j.is_number()) Fail(field, "is not a number");
    return j.get<double>();
  }
  std::vector<double> Doubles(const Json& j, const std::string& field) const {
    if (!j.is_array()) Fail(field, "is not an array");
    std::vector<double> out;
    for (size_t i = 0; i < j.size(); ++i)
      out.push_back(Double(j[i], field + "[" + std::to_string(i) + "]"));
    return out;
  }
  std::string String(const Json& j, const std::string& field) const {
    if (!j.is_string()) Fail(field, "is not a string");
    return j.get<std::string>();
  }
  bool Bool(const Json& j, const std::string& field) const {
    if (!j.is_boolean()) Fail(field, "is not true or false");
    return j.get<bool>();
  }
  long long Int(const Json& j, const std::string& field) const {
    if (!j.is_number_integer()) Fail(field, "is not an integer");
    return j.get<long long>();
  }
};

Json EmergenceJson(const EmergenceResult& e) {
  Json j = Json::object();
  j["kind"] = ToString(e.kind);
  j["forecastable"] = e.forecastable;
  j["at_chance_at_top"] = e.at_chance_at_top;
  j["at_chance"] = e.at_chance;
  j["options"] = {{"alpha", e.options.alpha},
                  {"forecast_alpha", e.options.forecast_alpha},
                  {"onset_threshold", e.options.onset_threshold},
                  {"margin", e.options.margin},
                  {"ceiling", e.options.ceiling},
                  {"extra_sd", e.options.extra_sd}};
  j["compute"] = Nums(e.compute);
  j["scores"] = Nums(e.scores);
  j["n_items"] = Nums(e.n_items);
  j["chance"] = Num(e.chance);
  j["above_chance_p"] = Nums(e.above_chance_p);
  for (const auto& [k, v] : std::vector<std::pair<const char*, double>>{
           {"top_p", e.top_p},
           {"bottom_p", e.bottom_p},
           {"intercept", e.intercept},
           {"slope", e.slope},
           {"slope_se", e.slope_se},
           {"slope_p", e.slope_p},
           {"dispersion", e.dispersion},
           {"chi2_linear", e.chi2_linear},
           {"weighted_mean", e.weighted_mean},
           {"chi2_constant", e.chi2_constant},
           {"constant_p", e.constant_p},
           {"chi2_onset", e.chi2_onset},
           {"onset_log10_compute", e.onset_log10_compute},
           {"onset_steepness", e.onset_steepness},
           {"delta_chi2", e.delta_chi2},
           {"onset_lower_bound", e.onset_lower_bound},
           {"top_compute", e.top_compute}})
    j[k] = Num(v);
  j["onset_converged"] = e.onset_converged;
  j["statement"] = e.statement;
  return j;
}

EmergenceResult EmergenceFromJson(const Reader& r, const Json& j) {
  const std::string p = "emergence.";
  EmergenceResult e;
  e.kind = ParseEmergenceKind(r.String(r.At(j, "kind", p), p + "kind"));
  e.forecastable = r.Bool(r.At(j, "forecastable", p), p + "forecastable");
  e.at_chance_at_top =
      r.Bool(r.At(j, "at_chance_at_top", p), p + "at_chance_at_top");
  e.at_chance = r.Bool(r.At(j, "at_chance", p), p + "at_chance");
  const Json& o = r.At(j, "options", p);
  auto od = [&](const char* k) {
    return r.Double(r.At(o, k, p + "options."), p + "options." + k);
  };
  e.options.alpha = od("alpha");
  e.options.forecast_alpha = od("forecast_alpha");
  e.options.onset_threshold = od("onset_threshold");
  e.options.margin = od("margin");
  e.options.ceiling = od("ceiling");
  e.options.extra_sd = od("extra_sd");
  auto dv = [&](const char* k) { return r.Doubles(r.At(j, k, p), p + k); };
  auto dd = [&](const char* k) { return r.Double(r.At(j, k, p), p + k); };
  e.compute = dv("compute");
  e.scores = dv("scores");
  e.n_items = dv("n_items");
  e.chance = dd("chance");
  e.above_chance_p = dv("above_chance_p");
  e.top_p = dd("top_p");
  e.bottom_p = dd("bottom_p");
  e.intercept = dd("intercept");
  e.slope = dd("slope");
  e.slope_se = dd("slope_se");
  e.slope_p = dd("slope_p");
  e.dispersion = dd("dispersion");
  e.chi2_linear = dd("chi2_linear");
  e.weighted_mean = dd("weighted_mean");
  e.chi2_constant = dd("chi2_constant");
  e.constant_p = dd("constant_p");
  e.chi2_onset = dd("chi2_onset");
  e.onset_log10_compute = dd("onset_log10_compute");
  e.onset_steepness = dd("onset_steepness");
  e.delta_chi2 = dd("delta_chi2");
  e.onset_lower_bound = dd("onset_lower_bound");
  e.top_compute = dd("top_compute");
  e.onset_converged =
      r.Bool(r.At(j, "onset_converged", p), p + "onset_converged");
  e.statement = r.String(r.At(j, "statement", p), p + "statement");
  return e;
}

Json FitJson(const FitResult& f) {
  FitCardOptions o;
  o.indent = -1;
  return Json::parse(FitCardToString(f, o));
}

}  // namespace

std::string TaskChainToString(const TaskChain& c, int indent) {
  Json j = Json::object();
  j["format"] = kFormat;
  j["format_version"] = kVersion;
  j["scalefit_version"] = scalefit::kVersion;
  j["task"] = {{"name", c.task.name},
               {"intermediate", c.task.intermediate},
               {"metric", c.task.metric},
               {"chance", Num(c.task.chance)},
               {"ceiling", Num(c.task.ceiling)},
               {"n_items", Num(c.task.n_items)}};
  const ChainOptions& o = c.options;
  j["options"] = {{"step1_law", o.step1_law},
                  {"final_average", o.final_average},
                  {"link", o.link},
                  {"skip_fraction", Num(o.skip_fraction)},
                  {"smoothing", o.smoothing},
                  {"ideal_point", o.ideal_point},
                  {"floor", o.floor},
                  {"single_step", o.single_step},
                  {"interval", o.interval},
                  {"num_replicates", o.num_replicates},
                  {"seed", o.seed},
                  {"num_threads", o.num_threads},
                  {"max_retries", o.max_retries}};
  j["step1"] = FitJson(c.step1);
  j["step2"] = FitJson(c.step2);
  j["single_step"] = c.has_single_step ? FitJson(c.single_step) : Json(nullptr);
  j["runs"] = c.runs;
  j["run_N"] = Nums(c.run_N);
  j["step2_run"] = c.step2_run;
  j["final_C"] = Nums(c.final_C);
  j["final_metric"] = Nums(c.final_metric);
  j["max_ladder_C"] = Num(c.max_ladder_C);
  j["max_ladder_ND"] = Num(c.max_ladder_ND);
  j["emergence"] = c.has_emergence ? EmergenceJson(c.emergence) : Json(nullptr);
  j["replicates"] = {{"num_replicates", c.num_replicates},
                     {"num_failed", c.num_failed},
                     {"converged", c.converged},
                     {"num_single_step_failed", c.num_single_step_failed},
                     {"single_step_converged", c.single_step_converged},
                     {"step1", Nums(c.step1_samples)},
                     {"step2", Nums(c.step2_samples)},
                     {"single_step", Nums(c.single_step_samples)}};
  j["joint_covariance"] = Nums(c.joint_covariance);
  j["single_step_covariance"] = Nums(c.single_step_covariance);
  j["seconds"] = Num(c.seconds);
  return j.dump(indent);
}

TaskChain TaskChainFromString(const std::string& json,
                              const std::string& source) {
  Reader r{source};
  const FitCardLoadOptions limits;
  const Json j = scalefit::detail::ParseCardJson(
      json, scalefit::detail::CardText{
                "task-chain card " + source, limits.max_bytes,
                "FitCardLoadOptions::max_bytes", limits.max_depth,
                "FitCardLoadOptions::max_depth", "a task-chain card nests 6"});
  if (!j.is_object()) r.Fail("the document", "is not a JSON object");
  if (r.String(r.At(j, "format", ""), "format") != kFormat)
    r.Fail("format", std::string("is not \"") + kFormat + "\"");
  const long long v = r.Int(r.At(j, "format_version", ""), "format_version");
  if (v < 1 || v > kVersion)
    r.Fail("format_version", std::to_string(v) +
                                 " is not supported (this "
                                 "build reads 1.." +
                                 std::to_string(kVersion) + ")");
  TaskChain c;
  const Json& t = r.At(j, "task", "");
  c.task.name = r.String(r.At(t, "name", "task."), "task.name");
  c.task.intermediate =
      r.String(r.At(t, "intermediate", "task."), "task.intermediate");
  c.task.metric = r.String(r.At(t, "metric", "task."), "task.metric");
  c.task.chance = r.Double(r.At(t, "chance", "task."), "task.chance");
  c.task.ceiling = r.Double(r.At(t, "ceiling", "task."), "task.ceiling");
  c.task.n_items = r.Double(r.At(t, "n_items", "task."), "task.n_items");
  std::string why;
  if (!c.task.IsValid(&why)) r.Fail("task", why);
  const Json& o = r.At(j, "options", "");
  const std::string op = "options.";
  c.options.step1_law = r.String(r.At(o, "step1_law", op), op + "step1_law");
  c.options.final_average = static_cast<int>(
      r.Int(r.At(o, "final_average", op), op + "final_average"));
  c.options.link = r.String(r.At(o, "link", op), op + "link");
  c.options.skip_fraction =
      r.Double(r.At(o, "skip_fraction", op), op + "skip_fraction");
  c.options.smoothing =
      static_cast<int>(r.Int(r.At(o, "smoothing", op), op + "smoothing"));
  c.options.ideal_point =
      r.Bool(r.At(o, "ideal_point", op), op + "ideal_point");
  c.options.floor = r.String(r.At(o, "floor", op), op + "floor");
  c.options.single_step =
      r.Bool(r.At(o, "single_step", op), op + "single_step");
  c.options.interval = r.String(r.At(o, "interval", op), op + "interval");
  c.options.num_replicates = static_cast<int>(
      r.Int(r.At(o, "num_replicates", op), op + "num_replicates"));
  if (!r.At(o, "seed", op).is_number_unsigned())
    r.Fail(op + "seed", "is not an unsigned integer");
  c.options.seed = r.At(o, "seed", op).get<std::uint64_t>();
  c.options.num_threads =
      static_cast<int>(r.Int(r.At(o, "num_threads", op), op + "num_threads"));
  c.options.max_retries =
      static_cast<int>(r.Int(r.At(o, "max_retries", op), op + "max_retries"));
  auto fit = [&](const char* key) {
    return FitCardFromString(r.At(j, key, "").dump(),
                             source + " (" + key + ")");
  };
  c.step1 = fit("step1");
  c.step2 = fit("step2");
  c.options.step1 = c.step1.options;
  c.options.step2 = c.step2.options;
  if (!r.At(j, "single_step", "").is_null()) {
    c.single_step = fit("single_step");
    c.has_single_step = true;
  }
  const Json& runs = r.At(j, "runs", "");
  if (!runs.is_array()) r.Fail("runs", "is not an array");
  for (size_t i = 0; i < runs.size(); ++i)
    c.runs.push_back(r.String(runs[i], "runs[" + std::to_string(i) + "]"));
  c.run_N = r.Doubles(r.At(j, "run_N", ""), "run_N");
  const Json& s2 = r.At(j, "step2_run", "");
  if (!s2.is_array()) r.Fail("step2_run", "is not an array");
  for (size_t i = 0; i < s2.size(); ++i)
    c.step2_run.push_back(
        static_cast<int>(r.Int(s2[i], "step2_run[" + std::to_string(i) + "]")));
  c.final_C = r.Doubles(r.At(j, "final_C", ""), "final_C");
  c.final_metric = r.Doubles(r.At(j, "final_metric", ""), "final_metric");
  c.max_ladder_C = r.Double(r.At(j, "max_ladder_C", ""), "max_ladder_C");
  c.max_ladder_ND = r.Double(r.At(j, "max_ladder_ND", ""), "max_ladder_ND");
  if (!(c.max_ladder_ND > 0.0)) r.Fail("max_ladder_ND", "must be > 0");
  if (!r.At(j, "emergence", "").is_null()) {
    c.emergence = EmergenceFromJson(r, j.at("emergence"));
    c.has_emergence = true;
  }
  const Json& rep = r.At(j, "replicates", "");
  const std::string rp = "replicates.";
  c.num_replicates = static_cast<int>(
      r.Int(r.At(rep, "num_replicates", rp), rp + "num_replicates"));
  c.num_failed =
      static_cast<int>(r.Int(r.At(rep, "num_failed", rp), rp + "num_failed"));
  const Json& conv = r.At(rep, "converged", rp);
  if (!conv.is_array()) r.Fail(rp + "converged", "is not an array");
  for (size_t i = 0; i < conv.size(); ++i)
    c.converged.push_back(static_cast<unsigned char>(
        r.Int(conv[i], rp + "converged[" + std::to_string(i) + "]") != 0));
  c.num_single_step_failed = static_cast<int>(r.Int(
      r.At(rep, "num_single_step_failed", rp), rp + "num_single_step_failed"));
  const Json& conv3 = r.At(rep, "single_step_converged", rp);
  if (!conv3.is_array())
    r.Fail(rp + "single_step_converged", "is not an array");
  for (size_t i = 0; i < conv3.size(); ++i)
    c.single_step_converged.push_back(static_cast<unsigned char>(
        r.Int(conv3[i],
              rp + "single_step_converged[" + std::to_string(i) + "]") != 0));
  c.step1_samples = r.Doubles(r.At(rep, "step1", rp), rp + "step1");
  c.step2_samples = r.Doubles(r.At(rep, "step2", rp), rp + "step2");
  c.single_step_samples =
      r.Doubles(r.At(rep, "single_step", rp), rp + "single_step");
  const size_t R = static_cast<size_t>(c.num_replicates);
  if (c.converged.size() != R ||
      (c.has_single_step && c.single_step_converged.size() != R) ||
      c.step1_samples.size() != R * c.step1.params.size() ||
      c.step2_samples.size() != R * c.step2.params.size() ||
      (c.has_single_step &&
       c.single_step_samples.size() != R * c.single_step.params.size()))
    r.Fail("replicates",
           "do not match num_replicates and the laws' parameters");
  c.joint_covariance =
      r.Doubles(r.At(j, "joint_covariance", ""), "joint_covariance");
  c.single_step_covariance = r.Doubles(r.At(j, "single_step_covariance", ""),
                                       "single_step_covariance");
  const size_t P = c.step1.params.size() + c.step2.params.size();
  if (!c.joint_covariance.empty() && c.joint_covariance.size() != P * P)
    r.Fail("joint_covariance", "does not hold (P1 + P2)^2 values");
  c.seconds = r.Double(r.At(j, "seconds", ""), "seconds");
  return c;
}

TaskChain LoadTaskChain(const std::string& path) {
  const std::string text = scalefit::detail::ReadFileBounded(
      path, FitCardLoadOptions{}.max_bytes, "task-chain card",
      "FitCardLoadOptions::max_bytes");
  return TaskChainFromString(text, path);
}

}  // namespace scalefit::downstream
