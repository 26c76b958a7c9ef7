// Classification of a score curve across compute (emergence.hpp).
#include "scalefit/emergence.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/data.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

constexpr EmergenceKind kKinds[] = {
    EmergenceKind::kSmooth, EmergenceKind::kFlat, EmergenceKind::kInverse,
    EmergenceKind::kNotCorrelated, EmergenceKind::kEmergent};

// P(X ≥ k) for X ~ Binomial(n, p): the regularised incomplete beta
// I_p(k, n − k + 1) (Abramowitz & Stegun 26.5.24).
double BinomialUpperTail(double k, double n, double p) {
  if (k <= 0.0) return 1.0;
  if (k > n) return 0.0;
  if (p <= 0.0) return 0.0;
  if (p >= 1.0) return 1.0;
  return boost::math::ibeta(k, n - k + 1.0, p);
}

// One-sided Clopper–Pearson upper confidence bound at level 1 − a on the
// success probability after k successes in n trials.
double ClopperPearsonUpper(double k, double n, double a) {
  if (k >= n) return 1.0;
  return boost::math::ibeta_inv(k + 1.0, n - k, 1.0 - a);
}

double ChiSquareSurvival(double x, double df) {
  if (!(x > 0.0)) return 1.0;
  return boost::math::gamma_q(0.5 * df, 0.5 * x);
}

double TwoSidedT(double t, double df) {
  if (!std::isfinite(t)) return 0.0;
  const boost::math::students_t dist(df);
  return 2.0 * boost::math::cdf(boost::math::complement(dist, std::abs(t)));
}

std::string P(double p) {
  if (p < 1e-300) return "< 1e-300";
  return FormatShort(p, 2);
}

}  // namespace

std::string ToString(EmergenceKind kind) {
  switch (kind) {
    case EmergenceKind::kSmooth:
      return "smooth";
    case EmergenceKind::kFlat:
      return "flat";
    case EmergenceKind::kInverse:
      return "inverse";
    case EmergenceKind::kNotCorrelated:
      return "not_correlated";
    case EmergenceKind::kEmergent:
      return "emergent";
  }
  return "?";
}

EmergenceKind ParseEmergenceKind(const std::string& name) {
  std::string all;
  for (EmergenceKind k : kKinds) {
    if (ToString(k) == name) return k;
    all += (all.empty() ? "" : ", ") + ToString(k);
  }
  throw UnknownName("unknown emergence kind '" + name + "'; kinds: " + all);
}

bool EmergenceOptions::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (!(alpha > 0.0 && alpha < 0.5))
    return fail("alpha must be in (0, 0.5), got " + FormatFull(alpha));
  if (!(forecast_alpha > 0.0 && forecast_alpha <= alpha))
    return fail("forecast_alpha must be in (0, alpha], got " +
                FormatFull(forecast_alpha));
  if (!(onset_threshold > 0.0) || !std::isfinite(onset_threshold))
    return fail("onset_threshold must be finite and > 0, got " +
                FormatFull(onset_threshold));
  if (!(ceiling > 0.0 && ceiling <= 1.0))
    return fail("ceiling must be in (0, 1], got " + FormatFull(ceiling));
  if (!(margin > 0.0 && margin < ceiling))
    return fail("margin must be in (0, ceiling), got " + FormatFull(margin));
  if (!(extra_sd >= 0.0) || !std::isfinite(extra_sd))
    return fail("extra_sd must be finite and >= 0, got " +
                FormatFull(extra_sd));
  return true;
}

EmergenceResult ClassifyEmergence(const std::vector<double>& compute,
                                  const std::vector<double>& scores,
                                  double chance,
                                  const std::vector<double>& n_items,
                                  const EmergenceOptions& options) {
  std::string why;
  if (!options.IsValid(&why))
    throw InvalidArgument("emergence options: " + why);
  const int m = static_cast<int>(compute.size());
  if (static_cast<int>(scores.size()) != m)
    throw InvalidArgument("emergence: 'scores' has " +
                          std::to_string(scores.size()) +
                          " values but 'compute' has " + std::to_string(m));
  if (m < 4)
    throw InvalidArgument(
        "emergence: needs at least 4 models (a line and a two-parameter "
        "onset curve are compared), got " +
        std::to_string(m));
  if (n_items.size() != 1 && static_cast<int>(n_items.size()) != m)
    throw InvalidArgument("emergence: 'n_items' must hold 1 or " +
                          std::to_string(m) + " counts, got " +
                          std::to_string(n_items.size()));
  if (!(chance >= 0.0 && chance < options.ceiling))
    throw InvalidArgument("emergence: chance must be in [0, ceiling = " +
                          FormatFull(options.ceiling) + "), got " +
                          FormatFull(chance));
  if (options.margin >= options.ceiling - chance)
    throw InvalidArgument("emergence: margin " + FormatFull(options.margin) +
                          " must be below ceiling - chance = " +
                          FormatFull(options.ceiling - chance));
  for (int i = 0; i < m; ++i) {
    if (!std::isfinite(compute[i]) || !(compute[i] > 0.0))
      throw InvalidArgument("emergence: compute[" + std::to_string(i) + "] = " +
                            FormatFull(compute[i]) + " must be finite and > 0");
    if (!(scores[i] >= 0.0 && scores[i] <= 1.0))
      throw InvalidArgument("emergence: scores[" + std::to_string(i) + "] = " +
                            FormatFull(scores[i]) + " must be in [0, 1]");
    const double n = n_items.size() == 1 ? n_items[0] : n_items[i];
    if (!IsItemCount(n) || !(n >= 1.0))
      throw InvalidArgument("emergence: n_items[" +
                            std::to_string(n_items.size() == 1 ? 0 : i) +
                            "] = " + FormatFull(n) +
                            " must be a whole number of questions, >= 1 and "
                            "<= 2^53");
  }

  EmergenceResult r;
  r.options = options;
  r.chance = chance;
  std::vector<int> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return compute[a] < compute[b]; });
  for (int i : order) {
    r.compute.push_back(compute[i]);
    r.scores.push_back(scores[i]);
    r.n_items.push_back(n_items.size() == 1 ? n_items[0] : n_items[i]);
  }
  r.top_compute = r.compute.back();
  const double alpha = options.alpha;
  const double c = options.ceiling;

  // 1. above chance, and the noise of each score.
  std::vector<double> x(m), v(m), w(m), k(m);
  for (int i = 0; i < m; ++i) {
    const double n = r.n_items[i];
    x[i] = std::log10(r.compute[i]);
    k[i] = std::round(r.scores[i] * n);
    r.above_chance_p.push_back(BinomialUpperTail(k[i], n, chance));
    const double pi = std::clamp(r.scores[i], 1.0 / n, 1.0 - 1.0 / n);
    v[i] = pi * (1.0 - pi) / n + options.extra_sd * options.extra_sd;
    w[i] = 1.0 / v[i];
  }
  r.top_p = r.above_chance_p.back();
  r.bottom_p = r.above_chance_p.front();
  r.at_chance_at_top = !(r.top_p < options.forecast_alpha);

  // 2. weighted line in x.
  double sw = 0, swx = 0, swxx = 0, sws = 0, swxs = 0;
  for (int i = 0; i < m; ++i) {
    sw += w[i];
    swx += w[i] * x[i];
    swxx += w[i] * x[i] * x[i];
    sws += w[i] * r.scores[i];
    swxs += w[i] * x[i] * r.scores[i];
  }
  const double det = sw * swxx - swx * swx;
  if (!(det > 0.0))
    throw InvalidArgument(
        "emergence: all models have the same compute; a trend with compute "
        "needs at least two distinct values");
  r.slope = (sw * swxs - swx * sws) / det;
  r.intercept = (sws - r.slope * swx) / sw;
  for (int i = 0; i < m; ++i) {
    const double e = r.scores[i] - r.intercept - r.slope * x[i];
    r.chi2_linear += w[i] * e * e;
  }
  r.dispersion = std::max(1.0, r.chi2_linear / (m - 2));
  r.slope_se = std::sqrt(r.dispersion * sw / det);
  r.slope_p = TwoSidedT(r.slope / r.slope_se, m - 2);

  // 3. constant.
  r.weighted_mean = sws / sw;
  for (int i = 0; i < m; ++i) {
    const double e = r.scores[i] - r.weighted_mean;
    r.chi2_constant += w[i] * e * e;
  }
  r.constant_p = ChiSquareSurvival(r.chi2_constant, m - 1);
  {
    const double z = (r.weighted_mean - chance) * std::sqrt(sw);
    r.at_chance = std::erfc(std::abs(z) / std::sqrt(2.0)) >= alpha;
  }

  // 4. onset curve: the sigmoid link in x with floor = chance, ceiling = c.
  {
    Observations obs;
    obs.input_names = {"L"};
    obs.x = x;
    obs.loss = r.scores;
    obs.weights = w;
    FitOptions fo;
    fo.objective = Objective::kMse;
    fo.fixed = {"a", "b"};
    fo.init = {{"a", c - chance}, {"b", chance}};
    fo.bounds = {{"x0", {x.front() - 10.0, x.back() + 10.0}},
                 {"k", {0.0, 1e3}}};
    // Starts: the 11 × 5 cells (x0 across the data ± 1 decade, k from 0.3
    // to 30 per decade) ranked by their weighted squared error; the best
    // two are polished (a grid of 55 local solves costs 20× more and finds
    // the same optimum on the planted curves of the tests).
    const LawPtr law = GetLaw("sigmoid");
    std::vector<std::pair<double, std::pair<double, double>>> cells;
    for (int j = 0; j <= 10; ++j) {
      const double x0 =
          x.front() - 1.0 + (x.back() - x.front() + 2.0) * j / 10.0;
      for (double k : {0.3, 1.0, 3.0, 10.0, 30.0}) {
        const double p[4] = {c - chance, x0, k, chance};
        double sse = 0.0;
        for (int i = 0; i < m; ++i) {
          const double e = law->Evaluate(p, &x[i]) - r.scores[i];
          sse += w[i] * e * e;
        }
        cells.push_back({sse, {x0, k}});
      }
    }
    std::sort(cells.begin(), cells.end());
    fo.start = "init";
    // The onset curve is one of the statistics: a flat curve's onset fit
    // stalls by design (onset_converged says so) and does not warn. Only its
    // objective and parameters are used: the engine alone, no diagnostics.
    ScopedQuietWarnings quiet;
    FitResult f;
    for (int t = 0; t < 2; ++t) {
      fo.init["x0"] = cells[t].second.first;
      fo.init["k"] = cells[t].second.second;
      FitResult g = FitWithoutDiagnostics(law, obs, fo);
      if (t == 0 || (g.converged && !f.converged) ||
          (g.converged == f.converged && g.objective < f.objective))
        f = std::move(g);
    }
    // objective = Σ w̃ r²/2 in the user's weight units.
    r.chi2_onset = 2.0 * f.objective;
    r.onset_log10_compute = f.param("x0");
    r.onset_steepness = f.param("k");
    r.onset_converged = f.converged;
  }
  r.delta_chi2 = r.chi2_linear - r.chi2_onset;
  const double phi_min =
      std::max(1.0, std::min(r.chi2_linear, r.chi2_onset) / (m - 2));

  const bool top_above = r.top_p < alpha;
  const bool bottom_at_chance = !(r.bottom_p < alpha / m);
  const bool trend = r.slope_p < alpha;
  if (top_above && bottom_at_chance && r.slope > 0.0 &&
      r.delta_chi2 >= options.onset_threshold * phi_min) {
    r.kind = EmergenceKind::kEmergent;
  } else if (trend && r.slope > 0.0) {
    r.kind = EmergenceKind::kSmooth;
  } else if (trend && r.slope < 0.0) {
    r.kind = EmergenceKind::kInverse;
  } else if (r.constant_p < alpha) {
    r.kind = EmergenceKind::kNotCorrelated;
  } else {
    r.kind = EmergenceKind::kFlat;
  }
  const bool kind_ok = r.kind == EmergenceKind::kSmooth ||
                       r.kind == EmergenceKind::kEmergent ||
                       r.kind == EmergenceKind::kInverse ||
                       (r.kind == EmergenceKind::kFlat && !r.at_chance);
  r.forecastable = kind_ok && !r.at_chance_at_top;

  // The onset's lower bound: largest C_i whose upper bound is below
  // chance + margin (Bonferroni over the m models).
  for (int i = 0; i < m; ++i) {
    const double ub = ClopperPearsonUpper(k[i], r.n_items[i], alpha / m);
    if (ub < chance + options.margin) r.onset_lower_bound = r.compute[i];
  }

  std::ostringstream s;
  s << ToString(r.kind) << ": score " << (r.slope >= 0 ? "+" : "")
    << FormatShort(r.slope, 3) << " ± " << FormatShort(r.slope_se, 2)
    << " per decade of compute (p = " << P(r.slope_p) << ")";
  if (r.kind == EmergenceKind::kEmergent)
    s << ", at chance at the bottom and rising with an onset near C = "
      << FormatShort(std::pow(10.0, r.onset_log10_compute), 3);
  if (r.kind == EmergenceKind::kNotCorrelated)
    s << ", scores vary beyond the noise (p = " << P(r.constant_p)
      << ") without following compute";
  s << "; top model " << FormatShort(r.scores.back(), 4) << " vs chance "
    << FormatShort(chance, 4) << " (p = " << P(r.top_p) << ")";
  if (r.forecastable) {
    s << "; forecasts beyond the models are supported";
  } else {
    s << "; cannot be forecast yet";
    if (r.at_chance_at_top)
      s << ": still at chance at the top (C = " << FormatShort(r.top_compute, 3)
        << ")";
    if (r.onset_lower_bound > 0.0)
      s << "; the onset (score >= chance + " << FormatShort(options.margin, 3)
        << ") lies above C = " << FormatShort(r.onset_lower_bound, 3)
        << " with confidence >= " << FormatShort(1.0 - alpha, 3);
    s << "; beyond the models the score is only known to lie in ["
      << FormatShort(chance, 4) << ", " << FormatShort(c, 4) << "]";
  }
  r.statement = s.str();
  return r;
}

std::string EmergenceResult::BriefReport() const {
  return "Emergence: " + statement;
}

std::string EmergenceResult::FullReport() const {
  std::ostringstream s;
  s << "Emergence classification: " << ToString(kind) << "\n"
    << "  " << statement << "\n"
    << "  models: " << compute.size() << ", chance " << FormatFull(chance)
    << ", ceiling " << FormatFull(options.ceiling) << "\n"
    << "  trend: slope " << FormatFull(slope) << " per decade, se "
    << FormatFull(slope_se) << ", p " << FormatFull(slope_p) << ", dispersion "
    << FormatFull(dispersion) << "\n"
    << "  chi2: linear " << FormatFull(chi2_linear) << ", onset "
    << FormatFull(chi2_onset) << " (x0 = " << FormatFull(onset_log10_compute)
    << ", k = " << FormatFull(onset_steepness)
    << (onset_converged ? "" : ", not converged") << "), constant "
    << FormatFull(chi2_constant) << " (p " << FormatFull(constant_p) << ")\n"
    << "  above chance: top p " << FormatFull(top_p) << ", bottom p "
    << FormatFull(bottom_p) << "\n"
    << "  forecastable: " << (forecastable ? "yes" : "no")
    << ", onset lower bound " << FormatFull(onset_lower_bound) << "\n"
    << "  thresholds: alpha " << FormatFull(options.alpha)
    << ", forecast_alpha " << FormatFull(options.forecast_alpha)
    << ", onset_threshold " << FormatFull(options.onset_threshold)
    << ", margin " << FormatFull(options.margin) << ", extra_sd "
    << FormatFull(options.extra_sd) << "\n";
  s << "  compute, score, n_items, p(above chance):\n";
  for (size_t i = 0; i < compute.size(); ++i)
    s << "    " << FormatFull(compute[i]) << ", " << FormatFull(scores[i])
      << ", " << FormatFull(n_items[i]) << ", " << FormatFull(above_chance_p[i])
      << "\n";
  return s.str();
}

}  // namespace scalefit
