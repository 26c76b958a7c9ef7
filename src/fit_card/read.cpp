// Reading fit cards (fit_card.hpp): JSON validated field by field, every
// error naming the card and the offending path.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <string>
#include <vector>

#include "fit_card/fit_card_internal.hpp"
#include "scalefit/detail/files.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit_card.hpp"
#include "scalefit/formula.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

using detail::Json;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& path,
                         const std::string& what) const {
    throw InvalidArgument("fit card " + source_ + ": " + path + ": " + what);
  }
  [[noreturn]] void FailName(const std::string& path,
                             const std::string& what) const {
    throw UnknownName("fit card " + source_ + ": " + path + ": " + what);
  }

  const Json& Get(const Json& obj, const std::string& key,
                  const std::string& path) const {
    if (!obj.is_object()) Fail(path, "must be a JSON object");
    auto it = obj.find(key);
    if (it == obj.end()) Fail(Join(path, key), "missing");
    return *it;
  }
  bool Has(const Json& obj, const std::string& key) const {
    return obj.is_object() && obj.contains(key) && !obj.at(key).is_null();
  }

  double Double(const Json& j, const std::string& path, bool allow_inf) const {
    if (j.is_number()) {
      const double v = j.get<double>();
      if (!std::isfinite(v)) Fail(path, "is not finite");
      return v;
    }
    if (j.is_string()) {
      const std::string s = j.get<std::string>();
      if (allow_inf && s == "inf") return kInf;
      if (allow_inf && s == "-inf") return -kInf;
      if (s == "nan" || s == "NaN" || s == "inf" || s == "-inf" ||
          s == "Infinity" || s == "-Infinity")
        Fail(path, "is not finite ('" + s + "')");
      Fail(path, "must be a number, got the string '" + s + "'");
    }
    if (j.is_null()) Fail(path, "is null (not finite or missing)");
    Fail(path, std::string("must be a number, got ") + j.type_name());
  }
  double Double(const Json& obj, const std::string& key,
                const std::string& path, bool allow_inf) const {
    return Double(Get(obj, key, path), Join(path, key), allow_inf);
  }

  // Like Double, allowing ±inf and "nan" (diagnostics only).
  double AnyDouble(const Json& obj, const std::string& key,
                   const std::string& path) const {
    const Json& j = Get(obj, key, path);
    if (j.is_string() && j.get<std::string>() == "nan") return std::nan("");
    return Double(j, Join(path, key), true);
  }
  std::vector<double> AnyDoubles(const Json& obj, const std::string& key,
                                 const std::string& path) const {
    const Json& a = Array(obj, key, path);
    std::vector<double> out;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].is_string() && a[i].get<std::string>() == "nan") {
        out.push_back(std::nan(""));
      } else {
        out.push_back(Double(
            a[i], Join(path, key) + "[" + std::to_string(i) + "]", true));
      }
    }
    return out;
  }
  std::vector<int> Ints(const Json& obj, const std::string& key,
                        const std::string& path) const {
    const Json& a = Array(obj, key, path);
    std::vector<int> out;
    for (size_t i = 0; i < a.size(); ++i)
      out.push_back(static_cast<int>(
          Int(a[i], Join(path, key) + "[" + std::to_string(i) + "]")));
    return out;
  }

  long long Int(const Json& j, const std::string& path) const {
    if (!j.is_number_integer())
      Fail(path, std::string("must be an integer, got ") + j.type_name());
    return j.get<long long>();
  }
  int Int(const Json& obj, const std::string& key,
          const std::string& path) const {
    const long long v = Int(Get(obj, key, path), Join(path, key));
    if (v < -2147483647LL || v > 2147483647LL)
      Fail(Join(path, key), "out of range");
    return static_cast<int>(v);
  }
  bool Bool(const Json& obj, const std::string& key,
            const std::string& path) const {
    const Json& j = Get(obj, key, path);
    if (!j.is_boolean())
      Fail(Join(path, key),
           std::string("must be true or false, got ") + j.type_name());
    return j.get<bool>();
  }
  std::string Str(const Json& j, const std::string& path) const {
    if (!j.is_string())
      Fail(path, std::string("must be a string, got ") + j.type_name());
    return j.get<std::string>();
  }
  std::string Str(const Json& obj, const std::string& key,
                  const std::string& path) const {
    return Str(Get(obj, key, path), Join(path, key));
  }
  const Json& Array(const Json& obj, const std::string& key,
                    const std::string& path) const {
    const Json& j = Get(obj, key, path);
    if (!j.is_array())
      Fail(Join(path, key),
           std::string("must be an array, got ") + j.type_name());
    return j;
  }
  const Json& Object(const Json& obj, const std::string& key,
                     const std::string& path) const {
    const Json& j = Get(obj, key, path);
    if (!j.is_object())
      Fail(Join(path, key),
           std::string("must be an object, got ") + j.type_name());
    return j;
  }
  std::vector<double> Doubles(const Json& obj, const std::string& key,
                              const std::string& path, bool allow_inf) const {
    const Json& a = Array(obj, key, path);
    std::vector<double> out;
    out.reserve(a.size());
    for (size_t i = 0; i < a.size(); ++i)
      out.push_back(Double(
          a[i], Join(path, key) + "[" + std::to_string(i) + "]", allow_inf));
    return out;
  }
  std::vector<std::string> Strings(const Json& obj, const std::string& key,
                                   const std::string& path) const {
    const Json& a = Array(obj, key, path);
    std::vector<std::string> out;
    for (size_t i = 0; i < a.size(); ++i)
      out.push_back(Str(a[i], Join(path, key) + "[" + std::to_string(i) + "]"));
    return out;
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  std::string source_;
};

std::uint64_t ParseHash(const Reader& rd, const std::string& text,
                        const std::string& path) {
  const std::string prefix = "fnv1a64:";
  if (text.size() != prefix.size() + 16 ||
      text.compare(0, prefix.size(), prefix) != 0)
    rd.Fail(path, "must look like 'fnv1a64:' followed by 16 hex digits, got '" +
                      text + "'");
  std::uint64_t h = 0;
  for (size_t i = prefix.size(); i < text.size(); ++i) {
    const char c = text[i];
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      rd.Fail(path, "'" + text + "' has a non-hex digit");
    h = (h << 4) | static_cast<std::uint64_t>(d);
  }
  return h;
}

FitOptions ReadOptions(const Reader& rd, const Json& j, const LawInfo& info) {
  const std::string path = "options";
  FitOptions o;
  const Json& init = rd.Object(j, "init", path);
  for (auto it = init.begin(); it != init.end(); ++it) {
    const std::string p = path + ".init." + it.key();
    try {
      info.ParamIndex(it.key());
    } catch (const UnknownName&) {
      rd.FailName(p, "unknown parameter for law '" + info.name + "'");
    }
    o.init[it.key()] = rd.Double(it.value(), p, false);
  }
  const Json& bounds = rd.Object(j, "bounds", path);
  for (auto it = bounds.begin(); it != bounds.end(); ++it) {
    const std::string p = path + ".bounds." + it.key();
    try {
      info.ParamIndex(it.key());
    } catch (const UnknownName&) {
      rd.FailName(p, "unknown parameter for law '" + info.name + "'");
    }
    if (!it.value().is_array() || it.value().size() != 2)
      rd.Fail(p, "must be a [lower, upper] pair");
    o.bounds[it.key()] = {rd.Double(it.value()[0], p + "[0]", true),
                          rd.Double(it.value()[1], p + "[1]", true)};
  }
  o.fixed = rd.Strings(j, "fixed", path);
  const Json& ties = rd.Array(j, "ties", path);
  for (size_t i = 0; i < ties.size(); ++i) {
    const std::string p = path + ".ties[" + std::to_string(i) + "]";
    if (!ties[i].is_array() || ties[i].size() != 2)
      rd.Fail(p, "must be a [follower, leader] pair");
    o.ties.emplace_back(rd.Str(ties[i][0], p + "[0]"),
                        rd.Str(ties[i][1], p + "[1]"));
  }
  o.start = rd.Str(j, "start", path);
  const Json& grid = rd.Object(j, "grid", path);
  for (auto it = grid.begin(); it != grid.end(); ++it) {
    const std::string p = path + ".grid";
    o.grid[it.key()] = rd.Doubles(grid, it.key(), p, false);
  }
  o.grid_points = rd.Int(j, "grid_points", path);
  o.max_grid_cells = rd.Int(j, "max_grid_cells", path);
  o.num_polish = rd.Int(j, "num_polish", path);
  o.max_iterations = rd.Int(j, "max_iterations", path);
  o.function_tolerance = rd.Double(j, "function_tolerance", path, false);
  o.parameter_tolerance = rd.Double(j, "parameter_tolerance", path, false);
  o.gradient_tolerance = rd.Double(j, "gradient_tolerance", path, false);
  // Cards written before these options existed keep the defaults.
  if (rd.Has(j, "screening_tolerance"))
    o.screening_tolerance = rd.Double(j, "screening_tolerance", path, false);
  if (rd.Has(j, "num_refined")) o.num_refined = rd.Int(j, "num_refined", path);
  // Before max_scoring_rows existed every row scored the grid: that is 0.
  o.max_scoring_rows =
      rd.Has(j, "max_scoring_rows") ? rd.Int(j, "max_scoring_rows", path) : 0;
  o.num_threads = rd.Int(j, "num_threads", path);
  if (rd.Has(j, "compute_tolerance"))
    o.compute_tolerance = rd.Double(j, "compute_tolerance", path, false);
  if (rd.Has(j, "profile_check"))
    o.profile_check = rd.Bool(j, "profile_check", path);
  return o;
}

// The "flops" block (format_version 2) or the "flop_convention" string
// (format_version 1): convention name and architecture into `o`.
void ReadFlops(const Reader& rd, const Json& j, FitOptions* o) {
  if (!rd.Has(j, "flops")) {
    o->flop_convention = rd.Str(j, "flop_convention", "");
    o->architecture.reset();
    return;
  }
  const Json& f = rd.Object(j, "flops", "");
  o->flop_convention = rd.Str(f, "convention", "flops");
  o->architecture.reset();
  if (rd.Has(f, "architecture")) {
    const std::string p = "flops.architecture";
    const Json& a = rd.Object(f, "architecture", "flops");
    flops::Architecture arch;
    arch.n_layers = rd.Int(a, "n_layers", p);
    arch.d_model = rd.Int(a, "d_model", p);
    arch.n_heads = rd.Int(a, "n_heads", p);
    arch.d_ff = rd.Int(a, "d_ff", p);
    arch.ff_ratio = rd.Double(a, "ff_ratio", p, false);
    arch.vocab_size = rd.Int(a, "vocab_size", p);
    arch.seq_len = rd.Int(a, "seq_len", p);
    arch.kv_size = rd.Int(a, "kv_size", p);
    o->architecture = arch;
  }
  try {
    FlopModel::FromConvention(o->flop_convention,
                              o->architecture ? &*o->architecture : nullptr);
  } catch (const Error& e) {
    rd.Fail("flops", e.what());
  }
}

std::map<std::string, double> ReadUnits(const Reader& rd, const Json& j,
                                        const LawInfo& info) {
  std::map<std::string, double> units;
  if (!rd.Has(j, "units")) return units;
  const Json& u = rd.Object(j, "units", "");
  for (auto it = u.begin(); it != u.end(); ++it) {
    const std::string p = "units." + it.key();
    if (info.FindInput(it.key()) < 0 && it.key() != "C")
      rd.FailName(p, "not an input of law '" + info.name + "' (nor C)");
    const double f = rd.Double(it.value(), p, false);
    if (!(f > 0)) rd.Fail(p, "must be > 0");
    units[it.key()] = f;
  }
  return units;
}

DataSummary ReadSummary(const Reader& rd, const Json& j) {
  const std::string path = "data_summary";
  DataSummary s;
  s.num_rows = rd.Int(j, "num_rows", path);
  const Json& inputs = rd.Array(j, "inputs", path);
  for (size_t k = 0; k < inputs.size(); ++k) {
    const std::string p = path + ".inputs[" + std::to_string(k) + "]";
    s.input_names.push_back(rd.Str(inputs[k], "name", p));
    s.min.push_back(rd.Double(inputs[k], "min", p, false));
    s.max.push_back(rd.Double(inputs[k], "max", p, false));
    s.num_distinct.push_back(rd.Int(inputs[k], "num_distinct", p));
  }
  s.loss_min = rd.Double(j, "loss_min", path, false);
  s.loss_max = rd.Double(j, "loss_max", path, false);
  if (rd.Has(j, "compute_max")) {
    s.compute_min = rd.Double(j, "compute_min", path, false);
    s.compute_max = rd.Double(j, "compute_max", path, false);
    s.compute_source = rd.Str(j, "compute_source", path);
  }
  s.hash = ParseHash(rd, rd.Str(j, "hash", path), path + ".hash");
  return s;
}

Diagnostics ReadDiagnostics(const Reader& rd, const Json& j) {
  const std::string path = "diagnostics";
  Diagnostics d;
  d.computed = rd.Bool(j, "computed", path);
  d.identified = rd.Bool(j, "identified", path);
  const Json& warnings = rd.Array(j, "warnings", path);
  for (size_t i = 0; i < warnings.size(); ++i) {
    const std::string p = path + ".warnings[" + std::to_string(i) + "]";
    d.warnings.push_back(
        {rd.Str(warnings[i], "code", p), rd.Str(warnings[i], "message", p)});
  }
  d.num_points = rd.Int(j, "num_points", path);
  d.num_free_params = rd.Int(j, "num_free_params", path);
  d.input_names = rd.Strings(j, "input_names", path);
  d.num_distinct = rd.Ints(j, "num_distinct", path);
  d.span_decades = rd.AnyDoubles(j, "span_decades", path);
  d.has_compute = rd.Bool(j, "has_compute", path);
  d.num_distinct_compute = rd.Int(j, "num_distinct_compute", path);
  d.compute_span_decades = rd.AnyDouble(j, "compute_span_decades", path);
  d.has_tokens_per_param = rd.Bool(j, "has_tokens_per_param", path);
  d.tokens_per_param_min = rd.AnyDouble(j, "tokens_per_param_min", path);
  d.tokens_per_param_median = rd.AnyDouble(j, "tokens_per_param_median", path);
  d.tokens_per_param_max = rd.AnyDouble(j, "tokens_per_param_max", path);
  d.tokens_per_param_spread_decades =
      rd.AnyDouble(j, "tokens_per_param_spread_decades", path);
  d.condition_number = rd.AnyDouble(j, "condition_number", path);
  const Json& corr = rd.Array(j, "correlations", path);
  for (size_t i = 0; i < corr.size(); ++i) {
    const std::string p = path + ".correlations[" + std::to_string(i) + "]";
    ParamCorrelation c;
    c.first = rd.Str(corr[i], "first", p);
    c.second = rd.Str(corr[i], "second", p);
    c.value = rd.AnyDouble(corr[i], "value", p);
    d.correlations.push_back(c);
  }
  d.sigma = rd.AnyDouble(j, "sigma", path);
  d.exponent_names = rd.Strings(j, "exponent_names", path);
  d.exponent_rel_se = rd.AnyDoubles(j, "exponent_rel_se", path);
  d.at_bound = rd.Strings(j, "at_bound", path);
  d.floor_name = rd.Str(j, "floor_name", path);
  d.floor_value = rd.AnyDouble(j, "floor_value", path);
  d.min_loss = rd.AnyDouble(j, "min_loss", path);
  d.floor_at_min_loss = rd.Bool(j, "floor_at_min_loss", path);
  // The profile check; absent from cards written before it existed.
  if (rd.Has(j, "profile_checked"))
    d.profile_checked = rd.Bool(j, "profile_checked", path);
  if (rd.Has(j, "weak_parameters")) {
    const Json& weak = rd.Array(j, "weak_parameters", path);
    for (size_t i = 0; i < weak.size(); ++i) {
      const std::string p =
          path + ".weak_parameters[" + std::to_string(i) + "]";
      WeakParameter w;
      w.name = rd.Str(weak[i], "name", p);
      w.estimate = rd.AnyDouble(weak[i], "estimate", p);
      w.lower = rd.AnyDouble(weak[i], "lower", p);
      w.upper = rd.AnyDouble(weak[i], "upper", p);
      w.level = rd.AnyDouble(weak[i], "level", p);
      w.reason = rd.Str(weak[i], "reason", p);
      d.weak_parameters.push_back(w);
    }
  }
  if (rd.Has(j, "competing_basins")) {
    const Json& basins = rd.Array(j, "competing_basins", path);
    for (size_t i = 0; i < basins.size(); ++i) {
      const std::string p =
          path + ".competing_basins[" + std::to_string(i) + "]";
      CompetingBasin b;
      b.params = rd.AnyDoubles(basins[i], "params", p);
      b.objective = rd.AnyDouble(basins[i], "objective", p);
      b.deviance = rd.AnyDouble(basins[i], "deviance", p);
      d.competing_basins.push_back(b);
    }
  }
  return d;
}

std::shared_ptr<const Observations> ReadData(
    const Reader& rd, const Json& j, const LawInfo& info,
    std::uint64_t expected_hash, const std::map<std::string, double>& units) {
  const std::string path = "data";
  const std::vector<std::string> names = rd.Strings(j, "input_names", path);
  if (names != info.input_names)
    rd.Fail(path + ".input_names",
            "do not match the inputs of law '" + info.name + "'");
  const Json& cols_json = rd.Object(j, "inputs", path);
  std::map<std::string, std::vector<double>> cols;
  for (const auto& n : names)
    cols[n] = rd.Doubles(cols_json, n, path + ".inputs", false);
  const std::vector<double> loss = rd.Doubles(j, "loss", path, false);
  const std::vector<double> weights = rd.Doubles(j, "weights", path, false);
  const Json& g = rd.Array(j, "groups", path);
  std::vector<std::int64_t> groups;
  for (size_t i = 0; i < g.size(); ++i)
    groups.push_back(rd.Int(g[i], path + ".groups[" + std::to_string(i) + "]"));
  Observations obs;
  try {
    obs = MakeObservations(names, cols, loss, weights, groups);
    if (rd.Has(j, "compute")) {
      obs.compute = rd.Doubles(j, "compute", path, false);
      ValidateObservations(obs, 1, info.positive_data);
    }
  } catch (const Error& e) {
    rd.Fail(path, e.what());
  }
  obs.units = units;
  const std::uint64_t h = Summarize(obs).hash;
  if (h != expected_hash)
    rd.Fail(path, "hash " + FormatHash(h) +
                      " does not match data_summary.hash " +
                      FormatHash(expected_hash) + " (the data were edited)");
  return std::make_shared<const Observations>(std::move(obs));
}

// Rebuilds a formula law from its card definition.
LawPtr ReadDefinition(const Reader& rd, const Json& law_json,
                      const std::string& name, const std::string& formula) {
  const std::string path = "law.definition";
  const Json& def = rd.Object(law_json, "definition", "law");
  FormulaLawOptions o;
  o.name = name;
  o.inputs = rd.Strings(law_json, "inputs", "law");
  const Json& params = rd.Array(def, "params", path);
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string p = path + ".params[" + std::to_string(i) + "]";
    const std::string pname = rd.Str(params[i], "name", p);
    o.params.push_back(pname);
    if (rd.Bool(params[i], "positive", p)) o.positive.push_back(pname);
    if (rd.Bool(params[i], "linear", p)) o.linear.push_back(pname);
    o.bounds[pname] = {rd.Double(params[i], "lower", p, true),
                       rd.Double(params[i], "upper", p, true)};
    o.start[pname] = {rd.Double(params[i], "start_lo", p, false),
                      rd.Double(params[i], "start_hi", p, false)};
    o.init[pname] = rd.Double(params[i], "init", p, false);
  }
  try {
    return MakeFormulaLaw(formula, o);
  } catch (const Error& e) {
    rd.Fail("law.formula", std::string("cannot rebuild law '") + name +
                               "' from its formula (laws defined by a function "
                               "cannot be restored from a card): " +
                               e.what());
  }
}

// The law a card is read with: the given one (checked against the card),
// the card's formula, or the built-in law it names.
LawPtr CardLaw(const Reader& rd, const Json& law_json,
               const FitCardLoadOptions& options) {
  const std::string name = rd.Str(law_json, "name", "law");
  const bool has_def = rd.Has(law_json, "definition");
  std::string kind = "formula";
  if (has_def) {
    const Json& def = rd.Object(law_json, "definition", "law");
    if (rd.Has(def, "kind")) kind = rd.Str(def, "kind", "law.definition");
  }
  if (options.law) {
    const LawInfo& given = options.law->info();
    std::vector<std::string> card_params;
    if (has_def) {
      const Json& params = rd.Array(rd.Object(law_json, "definition", "law"),
                                    "params", "law.definition");
      for (size_t i = 0; i < params.size(); ++i)
        card_params.push_back(
            rd.Str(params[i], "name",
                   "law.definition.params[" + std::to_string(i) + "]"));
    }
    const bool same =
        given.name == name &&
        (!rd.Has(law_json, "inputs") ||
         rd.Strings(law_json, "inputs", "law") == given.input_names) &&
        (card_params.empty() || card_params == given.param_names());
    if (!same)
      rd.Fail("law", "the law given to read the card ('" + given.name +
                         "') is not the card's law '" + name +
                         "' (the name, parameter names and inputs must match)");
    return options.law;
  }
  if (kind == "function" || kind == "functor") {
    rd.Fail("law.definition.kind",
            "law '" + name + "' was defined by a " +
                (kind == "function" ? std::string("function (e.g. a Python "
                                                  "callable)")
                                    : std::string("C++ functor that is not "
                                                  "built in")) +
                ", and a card cannot carry code; read it with the same law "
                "(FitCardLoadOptions::law in C++, scalefit.load(path, "
                "law=...) in Python)");
  }
  if (kind != "formula")
    rd.Fail("law.definition.kind",
            "unknown kind '" + kind + "' (known: formula, function, functor)");
  if (has_def)
    return ReadDefinition(rd, law_json, name,
                          rd.Str(law_json, "formula", "law"));
  try {
    return GetLaw(name);
  } catch (const UnknownName& e) {
    rd.FailName("law.name", e.what());
  }
}

}  // namespace

bool FitCardLoadOptions::IsValid(std::string* why) const {
  if (max_bytes < 1 || max_depth < 1) {
    if (why) *why = "max_bytes and max_depth must be >= 1";
    return false;
  }
  return true;
}

FitResult FitCardFromString(const std::string& text, const std::string& source,
                            const FitCardLoadOptions& options) {
  const Reader rd(source);
  std::string why;
  if (!options.IsValid(&why))
    throw InvalidArgument("fit card " + source +
                          ": invalid read options: " + why);
  const Json j = detail::ParseCardJson(
      text,
      detail::CardText{"fit card " + source, options.max_bytes,
                       "FitCardLoadOptions::max_bytes", options.max_depth,
                       "FitCardLoadOptions::max_depth", "a card nests 4"});
  if (!j.is_object()) rd.Fail("(top level)", "must be a JSON object");
  const std::string format = rd.Str(j, "format", "");
  if (format != detail::kFitCardFormatName)
    rd.Fail("format", "expected '" + std::string(detail::kFitCardFormatName) +
                          "', got '" + format + "'");
  const int version = rd.Int(j, "format_version", "");
  if (version < 1 || version > kFitCardFormatVersion)
    rd.Fail("format_version",
            std::to_string(version) +
                " is not supported (this scalefit reads up to " +
                std::to_string(kFitCardFormatVersion) + ")");
  if (version < 2 && options.verify)
    rd.Fail("format_version",
            "1 cards were written without a digest, so their claims cannot "
            "be verified; load it with verify = false (Python: "
            "scalefit.load(path, verify=False); CLI: --no-verify) to use its "
            "parameters as given parameters, or refit and save it again");

  const Json& law_json = rd.Object(j, "law", "");
  const LawPtr law = CardLaw(rd, law_json, options);
  const LawInfo& info = law->info();
  if (rd.Has(law_json, "inputs") &&
      rd.Strings(law_json, "inputs", "law") != info.input_names)
    rd.Fail("law.inputs", "do not match the inputs of law '" + info.name + "'");

  FitResult r;
  r.law = law;
  // Parameters: each of the law's parameters exactly once, any order.
  const Json& params = rd.Array(j, "parameters", "");
  std::vector<int> seen(info.num_params(), -1);
  std::vector<ParamValue> values(info.num_params());
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string p = "parameters[" + std::to_string(i) + "]";
    const std::string name = rd.Str(params[i], "name", p);
    int k = -1;
    try {
      k = info.ParamIndex(name);
    } catch (const UnknownName& e) {
      rd.FailName(p + ".name", e.what());
    }
    if (seen[k] >= 0)
      rd.Fail(p + ".name", "'" + name + "' appears twice (also parameters[" +
                               std::to_string(seen[k]) + "])");
    seen[k] = static_cast<int>(i);
    ParamValue v;
    v.name = name;
    const std::string vp = p + ".value ('" + name + "')";
    v.value = rd.Double(rd.Get(params[i], "value", p), vp, false);
    if (info.params[k].positive && !(v.value > 0)) rd.Fail(vp, "must be > 0");
    v.lower = rd.Has(params[i], "lower")
                  ? rd.Double(params[i], "lower", p, true)
                  : info.params[k].lower;
    v.upper = rd.Has(params[i], "upper")
                  ? rd.Double(params[i], "upper", p, true)
                  : info.params[k].upper;
    if (v.lower > v.upper) rd.Fail(p, "lower bound > upper bound");
    v.fixed =
        rd.Has(params[i], "fixed") ? rd.Bool(params[i], "fixed", p) : false;
    v.tied_to =
        rd.Has(params[i], "tied_to") ? rd.Str(params[i], "tied_to", p) : "";
    if (!v.tied_to.empty()) {
      try {
        info.ParamIndex(v.tied_to);
      } catch (const UnknownName& e) {
        rd.FailName(p + ".tied_to", e.what());
      }
    }
    v.at_bound = rd.Has(params[i], "at_bound")
                     ? rd.Bool(params[i], "at_bound", p)
                     : false;
    values[k] = v;
  }
  for (int k = 0; k < info.num_params(); ++k)
    if (seen[k] < 0)
      rd.Fail("parameters", "missing parameter '" + info.params[k].name +
                                "' of law '" + info.name + "'");
  FitOptions flop_options;
  ReadFlops(rd, j, &flop_options);
  const std::map<std::string, double> units = ReadUnits(rd, j, info);

  if (!options.verify) {
    // Given parameters: the law, the values, the FLOP convention and units;
    // nothing the card claims about a fit. The law's domain applies.
    std::map<std::string, double> given;
    for (const ParamValue& v : values) given[v.name] = v.value;
    try {
      r = FromParams(law, given, flop_options.flop_convention,
                     flop_options.architecture);
    } catch (const Error& e) {
      rd.Fail("parameters", e.what());
    }
    r.units = units;
    r.message =
        "given parameters from fit card " + source +
        " (read with verify = false: its convergence, diagnostics and data "
        "are not used)";
    return r;
  }
  r.params = values;
  for (size_t k = 0; k < values.size(); ++k) {
    try {
      CheckParameterDomain("parameter", values[k].name, values[k].value,
                           values[k].lower, values[k].upper,
                           info.params[k].positive, "its recorded bounds");
    } catch (const Error& e) {
      rd.Fail("parameters[" + std::to_string(seen[k]) + "].value", e.what());
    }
  }

  const Json& obj = rd.Object(j, "objective", "");
  Objective objective = Objective::kHuberLog;
  try {
    objective = ParseObjective(rd.Str(obj, "name", "objective"));
  } catch (const UnknownName& e) {
    rd.FailName("objective.name", e.what());
  }
  const double delta = rd.Double(obj, "delta", "objective", false);
  if (!(delta > 0)) rd.Fail("objective.delta", "must be > 0");
  r.objective = rd.Double(obj, "value", "objective", true);

  if (rd.Has(j, "options")) {
    r.options = ReadOptions(rd, rd.Object(j, "options", ""), info);
  }
  r.options.objective = objective;
  r.options.delta = delta;
  r.options.flop_convention = flop_options.flop_convention;
  r.options.architecture = flop_options.architecture;
  r.units = units;
  if (!r.options.IsValid(&why)) rd.Fail("options", why);

  const Json& fit = rd.Object(j, "fit", "");
  const bool had_data = rd.Bool(fit, "fitted", "fit");
  r.converged = rd.Bool(fit, "converged", "fit");
  r.relative_gradient = rd.AnyDouble(fit, "relative_gradient", "fit");
  r.message = rd.Str(fit, "message", "fit");
  r.iterations = rd.Int(fit, "iterations", "fit");
  r.num_starts = rd.Int(fit, "num_starts", "fit");
  r.num_best_basin = rd.Int(fit, "num_best_basin", "fit");
  if (rd.Has(fit, "screened")) r.screened = rd.Bool(fit, "screened", "fit");
  r.start = rd.Str(fit, "start", "fit");
  if (rd.Has(fit, "instruction_set"))
    r.instruction_set = rd.Str(fit, "instruction_set", "fit");
  r.num_points = rd.Int(fit, "num_points", "fit");
  if (r.num_points < 0) rd.Fail("fit.num_points", "must be >= 0");
  if (!had_data && r.num_points != 0)
    rd.Fail("fit.num_points", "must be 0 when fit.fitted is false");
  if (!had_data && r.converged)
    rd.Fail("fit.converged",
            "must be false when fit.fitted is false (given parameters make "
            "no convergence claim)");

  if (rd.Has(j, "data_summary"))
    r.data_summary = ReadSummary(rd, j["data_summary"]);
  if (rd.Has(j, "diagnostics"))
    r.diagnostics = ReadDiagnostics(rd, j["diagnostics"]);
  // The card must be what scalefit wrote (checked before the data are
  // read, so that an edited data column is named by its field).
  detail::VerifyDigest(j, source);
  if (rd.Has(j, "data")) {
    if (!had_data) rd.Fail("data", "present but fit.fitted is false");
    r.data = ReadData(rd, j["data"], info, r.data_summary.hash, units);
    if (r.data->num_rows() != r.num_points)
      rd.Fail("data", std::to_string(r.data->num_rows()) +
                          " rows but fit.num_points is " +
                          std::to_string(r.num_points));
    r.has_data = true;
  } else {
    r.has_data = false;  // the claims travel; refits need the data
  }
  r.fitted = had_data;

  // A card with data: recompute its objective and certification.
  if (r.has_data) {
    OptimumCheck c;
    try {
      c = CheckOptimum(r);
    } catch (const Error& e) {
      rd.Fail("data", std::string("re-check failed: ") + e.what());
    }
    const double tol = 1e-9 * std::max(1.0, std::abs(r.objective));
    if (!(std::abs(c.objective - r.objective) <= tol) &&
        !(std::isinf(r.objective) && std::isinf(c.objective)))
      rd.Fail("objective.value",
              "the card says " + FormatFull(r.objective) +
                  ", but the objective at its parameters on its data is " +
                  FormatFull(c.objective) +
                  ": the parameters, data or objective are not those of the "
                  "fit");
    // 10x slack: user-unit parameters round-trip through log/exp.
    if (r.converged && !(c.relative_gradient <= 10 * kMaxRelativeGradient))
      rd.Fail("fit.converged",
              "the card claims a certified optimum, but the relative "
              "projected gradient at its parameters on its data is " +
                  FormatShort(c.relative_gradient, 3) + " (certified at <= " +
                  FormatShort(kMaxRelativeGradient, 3) + ")");
    r.relative_gradient = c.relative_gradient;
  }
  return r;
}

FitResult LoadFitCard(const std::string& path,
                      const FitCardLoadOptions& options) {
  std::string why;
  if (!options.IsValid(&why))
    throw InvalidArgument("fit card " + path +
                          ": invalid read options: " + why);
  const std::string text = detail::ReadFileBounded(
      path, options.max_bytes, "fit card", "FitCardLoadOptions::max_bytes");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InvalidArgument("fit card " + path + ": the file is empty");
  return FitCardFromString(text, path, options);
}

}  // namespace scalefit
