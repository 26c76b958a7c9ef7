// The start grid of Hoffmann et al. 2022, App. D.2 (start = "hoffmann").
#include <vector>

#include "fit/fit_internal.hpp"

namespace scalefit::detail {

std::vector<std::vector<double>> HoffmannGrid(const LawInfo& info) {
  const int iE = info.ParamIndex("E"), iA = info.ParamIndex("A"),
            iB = info.ParamIndex("B"), ia = info.ParamIndex("alpha"),
            ib = info.ParamIndex("beta");
  std::vector<std::vector<double>> out;
  // Hoffmann et al. 2022, App. D.2: α, β ∈ {0, 0.5, …, 2};
  // e ∈ {−1, −0.5, …, 1}; a, b ∈ {0, 5, …, 25}.
  for (int i_alpha = 0; i_alpha <= 4; ++i_alpha)
    for (int i_beta = 0; i_beta <= 4; ++i_beta)
      for (int i_e = 0; i_e <= 4; ++i_e)
        for (int i_a = 0; i_a <= 5; ++i_a)
          for (int i_b = 0; i_b <= 5; ++i_b) {
            std::vector<double> z(info.num_params(), 0.0);
            z[ia] = 0.5 * i_alpha;
            z[ib] = 0.5 * i_beta;
            z[iE] = -1.0 + 0.5 * i_e;
            z[iA] = 5.0 * i_a;
            z[iB] = 5.0 * i_b;
            out.push_back(z);
          }
  return out;
}

}  // namespace scalefit::detail
