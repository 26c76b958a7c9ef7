/// @file datasets.hpp
/// Datasets shipped inside scalefit: the CSV files of the repository's
/// data/ folder (data/README.md gives each one's citation and licence),
/// embedded at build time and parsed by the CSV reader (csv.hpp).
///
/// Chinchilla(): the Chinchilla training runs (Hoffmann et al. 2022, Fig. 4)
/// digitised by Epoch AI (Besiroglu, Erdil, Barnett & You 2024, "Chinchilla
/// Scaling: A replication attempt", arXiv:2404.10102; data from
/// github.com/epoch-research/analyzing-chinchilla at commit 92258837).
/// 245 runs: N (parameters, all), D (tokens, = C/(6N) as in Epoch's
/// notebook), C (FLOPs, 6ND), final loss (nats), and `excluded`, the 5
/// highest-loss runs that Besiroglu et al. leave out (240 remain).
///
/// Porian2024(): isoFLOP runs of Porian, Wortsman, Jitsev, Schmidt & Carmon
/// 2024, "Resolving Discrepancies in Compute-Optimal Scaling of Language
/// Models" (arXiv:2406.19146; github.com/formll/resolving-scaling-law-
/// discrepancies at commit 0dc60d91, MIT licence): all 15 configurations
/// (1745 runs; "rw|tuned|short|const|standard|val", the paper's final
/// setting, has 121 runs at 12 budgets 1.25e16–2.56e19 FLOPs). C (FLOP
/// budget), N (parameters), D (tokens, = C/(6N)), loss (nats).
/// Porian2024Fits(): the exponent a of N_opt ∝ C^a the authors' code stores
/// for each configuration, with its bootstrap 95 % interval.
#pragma once

#include <string>
#include <vector>

#include "scalefit/csv.hpp"
#include "scalefit/data.hpp"

namespace scalefit::datasets {

struct ChinchillaRuns {
  std::vector<double> N, D, C, loss;
  std::vector<bool> excluded;
};

/// All 245 rows.
ChinchillaRuns Chinchilla();

/// Observations (inputs N, D) for the chinchilla law; by default without the
/// 5 excluded rows (240 rows), as in Besiroglu et al. 2024.
Observations ChinchillaObservations(bool include_excluded = false);

struct PorianRuns {
  std::string config;
  std::vector<double> C, N, D, loss;
};

/// The Porian et al. 2024 configurations shipped, in file order (15:
/// dataset|hparams|warmup|decay|param_count|loss_type, e.g.
/// "rw|tuned|short|const|standard|val", the paper's final setting).
std::vector<std::string> Porian2024Configs();

/// The authors' stored fit of one configuration (data/porian2024_fits.csv):
/// a of N_opt ∝ C^a ("bs_median_weighted") and the 2.5th/97.5th
/// percentiles of their weighted bootstrap fits.
struct PorianFit {
  std::string config, label;
  double a = 0.0, a_lower = 0.0, a_upper = 0.0;
};

/// One row per configuration, in the order of Porian2024Configs().
std::vector<PorianFit> Porian2024Fits();

/// The runs of one configuration. Throws UnknownName listing the shipped
/// configurations.
PorianRuns Porian2024(
    const std::string& config = "rw|tuned|short|const|standard|val");

/// File names of the embedded data ("chinchilla_epoch.csv", ...).
std::vector<std::string> FileNames();

/// The text of an embedded data file, byte for byte. Throws UnknownName
/// listing the files.
const char* FileText(const std::string& file_name);

/// An embedded data file parsed by ParseCsv (its source is
/// "<file_name> (embedded)").
CsvTable Table(const std::string& file_name);

}  // namespace scalefit::datasets
