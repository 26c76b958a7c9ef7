// The shipped datasets (datasets.hpp), parsed by the C++ CSV reader; the
// Python package wraps them in data frames (scalefit.datasets).
#include "common.hpp"

namespace scalefit::py {

void RegisterDatasets(pyb::module_& m) {
  m.def(
      "dataset_chinchilla",
      [](bool include_excluded) {
        const datasets::ChinchillaRuns runs = datasets::Chinchilla();
        std::vector<double> N, D, C, loss;
        std::vector<bool> excluded;
        for (size_t i = 0; i < runs.N.size(); ++i) {
          if (runs.excluded[i] && !include_excluded) continue;
          N.push_back(runs.N[i]);
          D.push_back(runs.D[i]);
          C.push_back(runs.C[i]);
          loss.push_back(runs.loss[i]);
          excluded.push_back(runs.excluded[i]);
        }
        pyb::dict d;
        d["N"] = ToArray(N);
        d["D"] = ToArray(D);
        d["C"] = ToArray(C);
        d["loss"] = ToArray(loss);
        pyb::array_t<bool> ex(static_cast<pyb::ssize_t>(excluded.size()));
        auto w = ex.mutable_unchecked<1>();
        for (size_t i = 0; i < excluded.size(); ++i) w(i) = excluded[i];
        d["excluded"] = ex;
        return d;
      },
      pyb::arg("include_excluded") = false,
      "The Chinchilla runs (columns N, D, C, loss, excluded).");
  m.def(
      "dataset_porian2024",
      [](const std::string& config) {
        const datasets::PorianRuns runs = datasets::Porian2024(config);
        pyb::dict d;
        d["C"] = ToArray(runs.C);
        d["N"] = ToArray(runs.N);
        d["D"] = ToArray(runs.D);
        d["loss"] = ToArray(runs.loss);
        return d;
      },
      pyb::arg("config"),
      "The Porian et al. 2024 isoFLOP runs of one configuration (columns C, "
      "N, D, loss).");
  m.def("dataset_porian2024_configs", &datasets::Porian2024Configs,
        "The shipped Porian et al. 2024 configurations.");
  m.def(
      "dataset_porian2024_fits",
      [] {
        std::vector<std::string> config, label;
        std::vector<double> a, lo, hi;
        for (const auto& f : datasets::Porian2024Fits()) {
          config.push_back(f.config);
          label.push_back(f.label);
          a.push_back(f.a);
          lo.push_back(f.a_lower);
          hi.push_back(f.a_upper);
        }
        pyb::dict d;
        d["config"] = config;
        d["label"] = label;
        d["a"] = ToArray(a);
        d["a_lower"] = ToArray(lo);
        d["a_upper"] = ToArray(hi);
        return d;
      },
      "The authors' stored exponent a of N_opt ~ C^a per Porian et al. 2024 "
      "configuration, with its bootstrap 95% interval (columns config, label, "
      "a, a_lower, a_upper).");
  m.def("dataset_file_names", &datasets::FileNames,
        "File names of the shipped data files (data/ in the repository).");
}

}  // namespace scalefit::py
