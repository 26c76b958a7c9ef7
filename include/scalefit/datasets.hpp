/// @file datasets.hpp
/// Datasets shipped inside scalefit.
///
/// chinchilla(): the Chinchilla training runs (Hoffmann et al. 2022, Fig. 4)
/// digitised by Epoch AI (Besiroglu, Erdil, Barnett & You 2024, "Chinchilla
/// Scaling: A replication attempt", arXiv:2404.10102; data from
/// github.com/epoch-research/analyzing-chinchilla at commit 92258837).
/// 245 runs: N (parameters, all), D (tokens, = C/(6N) as in Epoch's
/// notebook), C (FLOPs, 6ND), final loss (nats), and `excluded`, the 5
/// highest-loss runs that Besiroglu et al. leave out (240 remain).
#pragma once

#include <vector>

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

}  // namespace scalefit::datasets
