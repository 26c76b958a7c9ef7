// Chinchilla Approaches 1 (envelope) and 2 (isoFLOP profiles).
#include "common.hpp"

namespace scalefit::py {

namespace {

using Arr = pyb::array_t<double, pyb::array::forcecast>;

std::vector<double> OptionalVector(const pyb::object& o,
                                   const std::string& name) {
  if (o.is_none()) return {};
  return ToVector(Arr::ensure(o), name);
}

// The per-budget table as columns (conversion only).
pyb::dict BudgetTable(const IsoflopResult& r) {
  std::vector<double> C, Cmin, Cmax, Nlo, Nhi, c0, c1, c2, Nopt, Dopt, Lopt, bN,
      bL, shift;
  std::vector<int> n, nfit, half, recentred;
  std::vector<bool> interior, used, asym, edge;
  for (const auto& b : r.budgets) {
    C.push_back(b.C);
    Cmin.push_back(b.C_min);
    Cmax.push_back(b.C_max);
    n.push_back(b.num_points);
    nfit.push_back(b.num_fit_points);
    Nlo.push_back(b.N_lo);
    Nhi.push_back(b.N_hi);
    c0.push_back(b.c0);
    c1.push_back(b.c1);
    c2.push_back(b.c2);
    Nopt.push_back(b.N_opt);
    Dopt.push_back(b.D_opt);
    Lopt.push_back(b.loss_opt);
    bN.push_back(b.best_observed_N);
    bL.push_back(b.best_observed_loss);
    interior.push_back(b.interior);
    used.push_back(b.used);
    half.push_back(b.half_width);
    recentred.push_back(b.num_recentred);
    shift.push_back(b.vertex_shift);
    asym.push_back(b.asymmetric);
    edge.push_back(b.vertex_at_edge);
  }
  pyb::dict d;
  d["C"] = ToArray(C);
  d["num_points"] = n;
  d["num_fit_points"] = nfit;
  d["N_opt"] = ToArray(Nopt);
  d["D_opt"] = ToArray(Dopt);
  d["loss_opt"] = ToArray(Lopt);
  d["interior"] = interior;
  d["used"] = used;
  d["N_lo"] = ToArray(Nlo);
  d["N_hi"] = ToArray(Nhi);
  d["C_min"] = ToArray(Cmin);
  d["C_max"] = ToArray(Cmax);
  d["c0"] = ToArray(c0);
  d["c1"] = ToArray(c1);
  d["c2"] = ToArray(c2);
  d["best_observed_N"] = ToArray(bN);
  d["best_observed_loss"] = ToArray(bL);
  d["half_width"] = half;
  d["num_recentred"] = recentred;
  d["vertex_shift"] = ToArray(shift);
  d["asymmetric"] = asym;
  d["vertex_at_edge"] = edge;
  return d;
}

pyb::dict EnvelopeTable(const EnvelopeResult& r) {
  std::vector<double> C, L, N, D;
  std::vector<std::int64_t> run;
  std::vector<int> nr;
  std::vector<bool> edge, used;
  for (const auto& p : r.points) {
    C.push_back(p.C);
    L.push_back(p.loss);
    N.push_back(p.N_opt);
    D.push_back(p.D_opt);
    run.push_back(p.run);
    nr.push_back(p.num_runs);
    edge.push_back(p.edge);
    used.push_back(p.used);
  }
  pyb::dict d;
  d["C"] = ToArray(C);
  d["loss"] = ToArray(L);
  d["N_opt"] = ToArray(N);
  d["D_opt"] = ToArray(D);
  d["run"] = run;
  d["num_runs"] = nr;
  d["edge"] = edge;
  d["used"] = used;
  return d;
}

}  // namespace

void RegisterApproaches(pyb::module_& m) {
  // Element types of the results' tables, bound only so that the results
  // pickle (Python reads them through the results' dict properties).
  pyb::class_<IsoflopBudget>(m, "_IsoflopBudget")
      .def(PickleFields<IsoflopBudget>(
          &IsoflopBudget::C, &IsoflopBudget::C_min, &IsoflopBudget::C_max,
          &IsoflopBudget::num_points, &IsoflopBudget::num_fit_points,
          &IsoflopBudget::N_lo, &IsoflopBudget::N_hi, &IsoflopBudget::c0,
          &IsoflopBudget::c1, &IsoflopBudget::c2, &IsoflopBudget::N_opt,
          &IsoflopBudget::D_opt, &IsoflopBudget::loss_opt,
          &IsoflopBudget::best_observed_N, &IsoflopBudget::best_observed_loss,
          &IsoflopBudget::interior, &IsoflopBudget::used, &IsoflopBudget::rows,
          &IsoflopBudget::fit_rows, &IsoflopBudget::half_width,
          &IsoflopBudget::num_recentred, &IsoflopBudget::vertex_shift,
          &IsoflopBudget::asymmetric, &IsoflopBudget::vertex_at_edge));
  pyb::class_<EnvelopePoint>(m, "_EnvelopePoint")
      .def(PickleFields<EnvelopePoint>(
          &EnvelopePoint::C, &EnvelopePoint::loss, &EnvelopePoint::N_opt,
          &EnvelopePoint::D_opt, &EnvelopePoint::run, &EnvelopePoint::num_runs,
          &EnvelopePoint::edge, &EnvelopePoint::used));
  pyb::class_<PowerLawFit>(m, "PowerLawFit")
      .def_readonly("exponent", &PowerLawFit::exponent)
      .def_readonly("coefficient", &PowerLawFit::coefficient)
      .def_readonly("r2", &PowerLawFit::r2)
      .def_readonly("num_points", &PowerLawFit::num_points)
      .def_readonly("lower", &PowerLawFit::lower)
      .def_readonly("upper", &PowerLawFit::upper)
      .def(PickleFields<PowerLawFit>(
          &PowerLawFit::exponent, &PowerLawFit::coefficient, &PowerLawFit::r2,
          &PowerLawFit::num_points, &PowerLawFit::lower, &PowerLawFit::upper));

  pyb::class_<IsoflopOptions>(m, "IsoflopOptions")
      .def(pyb::init<>())
      .def_readwrite("snap_tolerance", &IsoflopOptions::snap_tolerance)
      .def_property(
          "window", [](const IsoflopOptions& o) { return ToString(o.window); },
          [](IsoflopOptions& o, const std::string& w) {
            o.window = ParseIsoflopWindow(w);
          })
      .def_readwrite("points_each_side", &IsoflopOptions::points_each_side)
      .def_readwrite("keep_edge_minima", &IsoflopOptions::keep_edge_minima)
      .def_readwrite("k", &IsoflopOptions::k)
      .def_readwrite("num_bootstrap", &IsoflopOptions::num_bootstrap)
      .def_readwrite("confidence", &IsoflopOptions::confidence)
      .def_readwrite("seed", &IsoflopOptions::seed)
      .def_readwrite("num_threads", &IsoflopOptions::num_threads)
      .def_readwrite("fit_frontier", &IsoflopOptions::fit_frontier)
      .def_readwrite("frontier_options", &IsoflopOptions::frontier_options)
      .def_readwrite("compare_parametric", &IsoflopOptions::compare_parametric)
      .def_readwrite("parametric_options", &IsoflopOptions::parametric_options)
      .def("is_valid", &IsValidPair<IsoflopOptions>)
      // The window travels by name (an enum is not a Python type here).
      .def(pyb::pickle(
          [](const IsoflopOptions& o) {
            return pyb::make_tuple(
                o.snap_tolerance, ToString(o.window), o.points_each_side,
                o.keep_edge_minima, o.k, o.num_bootstrap, o.confidence, o.seed,
                o.num_threads, o.fit_frontier, o.frontier_options,
                o.compare_parametric, o.parametric_options);
          },
          [](const pyb::tuple& s) {
            if (s.size() != 13)
              throw InvalidArgument(
                  "unpickling: the state has " + std::to_string(s.size()) +
                  " fields, expected 13 (pickled by another scalefit "
                  "version?)");
            IsoflopOptions o;
            o.snap_tolerance = s[0].cast<double>();
            o.window = ParseIsoflopWindow(s[1].cast<std::string>());
            o.points_each_side = s[2].cast<int>();
            o.keep_edge_minima = s[3].cast<bool>();
            o.k = s[4].cast<double>();
            o.num_bootstrap = s[5].cast<int>();
            o.confidence = s[6].cast<double>();
            o.seed = s[7].cast<std::uint64_t>();
            o.num_threads = s[8].cast<int>();
            o.fit_frontier = s[9].cast<bool>();
            o.frontier_options = s[10].cast<FitOptions>();
            o.compare_parametric = s[11].cast<bool>();
            o.parametric_options = s[12].cast<FitOptions>();
            return o;
          }));

  pyb::class_<IsoflopResult>(m, "IsoflopResult")
      .def_property_readonly("a", &IsoflopResult::a)
      .def_property_readonly("b", &IsoflopResult::b)
      .def_readonly("n_opt", &IsoflopResult::n_opt)
      .def_readonly("d_opt", &IsoflopResult::d_opt)
      .def_property_readonly("budgets", &BudgetTable)
      .def_property_readonly("budget_rows",
                             [](const IsoflopResult& r) {
                               std::vector<std::vector<int>> rows;
                               for (const auto& b : r.budgets)
                                 rows.push_back(b.rows);
                               return rows;
                             })
      .def_property_readonly("budget_fit_rows",
                             [](const IsoflopResult& r) {
                               std::vector<std::vector<int>> rows;
                               for (const auto& b : r.budgets)
                                 rows.push_back(b.fit_rows);
                               return rows;
                             })
      .def_readonly("num_bootstrap", &IsoflopResult::num_bootstrap)
      .def_readonly("num_bootstrap_used", &IsoflopResult::num_bootstrap_used)
      .def_readonly("has_frontier", &IsoflopResult::has_frontier)
      .def_readonly("frontier", &IsoflopResult::frontier)
      .def_readonly("has_parametric", &IsoflopResult::has_parametric)
      .def_readonly("parametric", &IsoflopResult::parametric)
      .def_readonly("a_parametric", &IsoflopResult::a_parametric)
      .def_readonly("b_parametric", &IsoflopResult::b_parametric)
      .def_readonly("notes", &IsoflopResult::notes)
      .def_readonly("options", &IsoflopResult::options)
      .def_readonly("num_runs", &IsoflopResult::num_runs)
      .def("num_used", &IsoflopResult::num_used)
      .def(
          "profile_loss",
          [](const IsoflopResult& r, int budget, const Arr& N) {
            const int nb = static_cast<int>(r.budgets.size());
            if (budget < 0 || budget >= nb)
              throw InvalidArgument(
                  "profile_loss: budget index " + std::to_string(budget) +
                  " is out of range (0.." + std::to_string(nb - 1) + ")");
            return ToArray(r.budgets[budget].ProfileLoss(ToVector(N, "N")));
          },
          pyb::arg("budget"), pyb::arg("N"),
          "The fitted parabola of budget `budget` (0-based, ascending C) at N.")
      .def("brief_report", &IsoflopResult::BriefReport)
      .def("full_report", &IsoflopResult::FullReport)
      .def("__repr__", &IsoflopResult::BriefReport)
      .def(PickleFields<IsoflopResult>(
          &IsoflopResult::budgets, &IsoflopResult::n_opt, &IsoflopResult::d_opt,
          &IsoflopResult::num_bootstrap, &IsoflopResult::num_bootstrap_used,
          &IsoflopResult::has_frontier, &IsoflopResult::frontier,
          &IsoflopResult::has_parametric, &IsoflopResult::parametric,
          &IsoflopResult::a_parametric, &IsoflopResult::b_parametric,
          &IsoflopResult::notes, &IsoflopResult::options,
          &IsoflopResult::num_runs));

  m.def(
      "isoflop_fit",
      [](const Arr& N, const pyb::object& D, const Arr& loss,
         const pyb::object& C, const pyb::object& weights,
         const IsoflopOptions& options, const pyb::object& progress) {
        IsoflopData d;
        d.N = ToVector(N, "N");
        d.D = OptionalVector(D, "D");
        d.loss = ToVector(loss, "loss");
        d.C = OptionalVector(C, "C");
        d.weights = OptionalVector(weights, "weights");
        IsoflopOptions o = options;
        o.control = PythonControl(progress);
        return WithoutGil([&] { return IsoflopFit(d, o); });
      },
      pyb::arg("N"), pyb::arg("D"), pyb::arg("loss"), pyb::arg("C"),
      pyb::arg("weights"), pyb::arg("options"),
      pyb::arg("progress") = pyb::none(),
      "Chinchilla Approach 2 (GIL released while it runs).");

  pyb::class_<EnvelopeOptions>(m, "EnvelopeOptions")
      .def(pyb::init<>())
      .def_readwrite("num_bins", &EnvelopeOptions::num_bins)
      .def_readwrite("k", &EnvelopeOptions::k)
      .def_readwrite("keep_edge", &EnvelopeOptions::keep_edge)
      .def("is_valid", &IsValidPair<EnvelopeOptions>)
      .def(PickleFields<EnvelopeOptions>(&EnvelopeOptions::num_bins,
                                         &EnvelopeOptions::k,
                                         &EnvelopeOptions::keep_edge));

  pyb::class_<EnvelopeResult>(m, "EnvelopeResult")
      .def_property_readonly("a", &EnvelopeResult::a)
      .def_property_readonly("b", &EnvelopeResult::b)
      .def_readonly("n_opt", &EnvelopeResult::n_opt)
      .def_readonly("d_opt", &EnvelopeResult::d_opt)
      .def_property_readonly("points", &EnvelopeTable)
      .def_readonly("num_runs", &EnvelopeResult::num_runs)
      .def_readonly("num_checkpoints", &EnvelopeResult::num_checkpoints)
      .def_readonly("notes", &EnvelopeResult::notes)
      .def_readonly("options", &EnvelopeResult::options)
      .def("num_used", &EnvelopeResult::num_used)
      .def("brief_report", &EnvelopeResult::BriefReport)
      .def("full_report", &EnvelopeResult::FullReport)
      .def("__repr__", &EnvelopeResult::BriefReport)
      .def(PickleFields<EnvelopeResult>(
          &EnvelopeResult::points, &EnvelopeResult::n_opt,
          &EnvelopeResult::d_opt, &EnvelopeResult::num_checkpoints,
          &EnvelopeResult::notes, &EnvelopeResult::options,
          &EnvelopeResult::num_runs));

  m.def(
      "envelope_fit",
      [](const std::vector<std::int64_t>& run, const Arr& N, const Arr& tokens,
         const Arr& loss, const EnvelopeOptions& options) {
        Checkpoints c;
        c.run = run;
        c.N = ToVector(N, "N");
        c.tokens = ToVector(tokens, "tokens");
        c.loss = ToVector(loss, "loss");
        return WithoutGil([&] { return EnvelopeFit(c, options); });
      },
      pyb::arg("run"), pyb::arg("N"), pyb::arg("tokens"), pyb::arg("loss"),
      pyb::arg("options"), "Chinchilla Approach 1 (GIL released).");
}

}  // namespace scalefit::py
