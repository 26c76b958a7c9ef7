// The datasets embedded from data/ (datasets.hpp), parsed by the CSV reader.
#include "scalefit/datasets.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "embedded_data.hpp"
#include "scalefit/error.hpp"

namespace scalefit::datasets {

namespace {

constexpr const char* kChinchillaFile = "chinchilla_epoch.csv";
constexpr const char* kPorianFile = "porian2024_isoflop.csv";
constexpr const char* kPorianFitsFile = "porian2024_fits.csv";

}  // namespace

std::vector<std::string> FileNames() {
  std::vector<std::string> out;
  for (int i = 0; i < detail::kNumEmbeddedFiles; ++i)
    out.push_back(detail::kEmbeddedFiles[i].name);
  return out;
}

const char* FileText(const std::string& file_name) {
  for (int i = 0; i < detail::kNumEmbeddedFiles; ++i) {
    if (file_name == detail::kEmbeddedFiles[i].name)
      return detail::kEmbeddedFiles[i].text;
  }
  std::string all;
  for (const auto& n : FileNames()) all += (all.empty() ? "" : ", ") + n;
  throw UnknownName("no embedded data file '" + file_name + "'; files: " + all);
}

CsvTable Table(const std::string& file_name) {
  return ParseCsv(FileText(file_name), file_name + " (embedded)");
}

ChinchillaRuns Chinchilla() {
  const CsvTable t = Table(kChinchillaFile);
  ChinchillaRuns runs;
  runs.N = t.NumericColumn("N");
  runs.D = t.NumericColumn("D");
  runs.C = t.NumericColumn("C");
  runs.loss = t.NumericColumn("loss");
  for (std::int64_t e : t.IntegerColumn("excluded"))
    runs.excluded.push_back(e == 1);
  if (runs.N.size() != 245) throw Error("embedded Chinchilla data is corrupt");
  return runs;
}

Observations ChinchillaObservations(bool include_excluded) {
  const ChinchillaRuns runs = Chinchilla();
  std::vector<double> N, D, loss;
  for (size_t i = 0; i < runs.N.size(); ++i) {
    if (runs.excluded[i] && !include_excluded) continue;
    N.push_back(runs.N[i]);
    D.push_back(runs.D[i]);
    loss.push_back(runs.loss[i]);
  }
  return MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, loss);
}

std::vector<std::string> Porian2024Configs() {
  const std::vector<std::string> all = Table(kPorianFile).Column("config");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& c : all)
    if (seen.insert(c).second) out.push_back(c);
  return out;
}

PorianRuns Porian2024(const std::string& config) {
  const CsvTable t = Table(kPorianFile);
  const std::vector<std::string> configs = t.Column("config");
  const std::vector<double> C = t.NumericColumn("C"), N = t.NumericColumn("N"),
                            D = t.NumericColumn("D"),
                            loss = t.NumericColumn("loss");
  PorianRuns runs;
  runs.config = config;
  for (size_t i = 0; i < configs.size(); ++i) {
    if (configs[i] != config) continue;
    runs.C.push_back(C[i]);
    runs.N.push_back(N[i]);
    runs.D.push_back(D[i]);
    runs.loss.push_back(loss[i]);
  }
  if (runs.C.empty()) {
    std::string shipped;
    for (const auto& c : Porian2024Configs())
      shipped += (shipped.empty() ? "" : ", ") + c;
    throw UnknownName("unknown porian2024 configuration '" + config +
                      "'; shipped: " + shipped);
  }
  return runs;
}

std::vector<PorianFit> Porian2024Fits() {
  const CsvTable t = Table(kPorianFitsFile);
  const std::vector<std::string> config = t.Column("config"),
                                 label = t.Column("label");
  const std::vector<double> a = t.NumericColumn("a"),
                            lo = t.NumericColumn("a_lower"),
                            hi = t.NumericColumn("a_upper");
  std::vector<PorianFit> out;
  for (size_t i = 0; i < config.size(); ++i)
    out.push_back({config[i], label[i], a[i], lo[i], hi[i]});
  if (out.size() != Porian2024Configs().size())
    throw Error("embedded Porian et al. fits do not match the runs");
  return out;
}

}  // namespace scalefit::datasets
