// The main job: fit the Chinchilla law to the embedded Epoch AI data (240
// runs) and print the parameters, convergence and forecasts.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "scalefit/scalefit.hpp"

int main() {
  try {
    const scalefit::Observations data =
        scalefit::datasets::ChinchillaObservations();
    scalefit::FitOptions options;  // huber_log, delta = 1e-3, auto starts
    const scalefit::FitResult fit = scalefit::Fit("chinchilla", data, options);
    std::cout << fit.FullReport();
    std::cout << "\nPredicted loss at larger budgets (N, D with D = 20 N):\n";
    for (double C : {1e22, 1e23, 1e24, 1e25}) {
      const double N = std::sqrt(C / (6.0 * 20.0));
      const double D = 20.0 * N;
      const auto L = fit.Predict(std::vector<double>{N, D});
      std::printf("  C = %.0e FLOPs: N = %.4g, D = %.4g -> loss %.6f\n", C, N,
                  D, L[0]);
    }
    return fit.converged ? 0 : 1;
  } catch (const scalefit::Error& e) {
    std::cerr << "scalefit: " << e.what() << "\n";
    return 2;
  }
}
