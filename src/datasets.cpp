#include "scalefit/datasets.hpp"

#include <cstdlib>
#include <sstream>
#include <string>

#include "scalefit/error.hpp"

namespace scalefit::detail {
extern const char* const kChinchillaEpochCsv;
}  // namespace scalefit::detail

namespace scalefit::datasets {

ChinchillaRuns Chinchilla() {
  ChinchillaRuns runs;
  std::istringstream in(detail::kChinchillaEpochCsv);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::istringstream fields(line);
    std::string f[5];
    for (auto& s : f) std::getline(fields, s, ',');
    runs.N.push_back(std::strtod(f[0].c_str(), nullptr));
    runs.D.push_back(std::strtod(f[1].c_str(), nullptr));
    runs.C.push_back(std::strtod(f[2].c_str(), nullptr));
    runs.loss.push_back(std::strtod(f[3].c_str(), nullptr));
    runs.excluded.push_back(f[4] == "1");
  }
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

}  // namespace scalefit::datasets
