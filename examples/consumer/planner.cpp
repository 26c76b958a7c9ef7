// A C++ planner driven by a fit card: `planner [fit.json]`.
//
// With a card (written by Python's FitResult.save, `scalefit fit --out` or
// scalefit::SaveFitCard) it loads the fit; without one it uses the rounded
// Chinchilla parameters of Hoffmann et al. 2022, App. D.2. It then checks
// that the card round-trips bit for bit and prints predicted losses.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "scalefit/scalefit.hpp"

int main(int argc, char** argv) {
  try {
    scalefit::FitResult fit =
        argc > 1 ? scalefit::LoadFitCard(argv[1])
                 : scalefit::FromParams(scalefit::GetLaw("chinchilla"),
                                        {{"E", 1.69},
                                         {"A", 406.4},
                                         {"B", 410.7},
                                         {"alpha", 0.34},
                                         {"beta", 0.28}});
    std::cout << "scalefit " << scalefit::kVersion << "\n"
              << fit.BriefReport() << "\n";

    // Card text -> result -> card text: the same doubles, bit for bit.
    const std::string card = scalefit::FitCardToString(fit);
    const scalefit::FitResult again =
        scalefit::FitCardFromString(card, "<round trip>");
    for (size_t k = 0; k < fit.params.size(); ++k) {
      if (std::memcmp(&fit.params[k].value, &again.params[k].value,
                      sizeof(double)) != 0) {
        std::cerr << "planner: round trip changed " << fit.params[k].name
                  << "\n";
        return 1;
      }
    }
    if (scalefit::FitCardToString(again) != card) {
      std::cerr << "planner: the card is not a fixed point\n";
      return 1;
    }
    if (fit.law->info().input_names == std::vector<std::string>{"N", "D"}) {
      for (const auto& [N, D] : std::vector<std::pair<double, double>>{
               {1e9, 2e10}, {7e10, 1.4e12}}) {
        const double L = fit.Predict(std::vector<double>{N, D})[0];
        std::printf("N = %g, D = %g: L = %s\n", N, D,
                    scalefit::FormatFull(L).c_str());
      }
    }
    std::cout << "round trip OK\n";
    return 0;
  } catch (const scalefit::Error& e) {
    std::cerr << "planner: " << e.what() << "\n";
    return 2;
  }
}
