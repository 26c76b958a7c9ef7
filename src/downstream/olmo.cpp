// The shipped OLMo ladder and its eight tasks (downstream/ladder.hpp,
// downstream/chain.hpp). Data: Bhagia et al. 2024, arXiv:2412.04403,
// github.com/allenai/OLMo-ladder (Apache-2.0), data/olmo_ladder/.
#include <cstdint>
#include <string>
#include <vector>

#include "scalefit/datasets.hpp"
#include "scalefit/downstream/chain.hpp"
#include "scalefit/downstream/ladder.hpp"
#include "scalefit/error.hpp"

namespace scalefit::downstream {

namespace {

struct OlmoTask {
  const char* name;   // our task label
  const char* split;  // the export's task key
  double chance;      // the paper's "task minimum"
  double n_items;     // questions in the split
};

// Chance levels from the paper's code (scaling/task_utils.py); questions in
// each public split: MMLU test 14042 (Hendrycks et al. 2021), HellaSwag val
// 10042 (Zellers et al. 2019), ARC-Challenge test 1172 and ARC-Easy test
// 2376 (Clark et al. 2018), PIQA val 1838 (Bisk et al. 2020),
// CommonsenseQA val 1221 (Talmor et al. 2019), Social IQa val 1954 (Sap et
// al. 2019), OpenBookQA test 500 (Mihaylov et al. 2018).
constexpr OlmoTask kTasks[] = {
    {"mmlu", "mmlu_avg_test", 0.25, 14042},
    {"hellaswag", "hellaswag_val", 0.25, 10042},
    {"arc_challenge", "arc_challenge_test", 0.25, 1172},
    {"arc_easy", "arc_easy_test", 0.25, 2376},
    {"piqa", "piqa_val", 0.5, 1838},
    {"csqa", "csqa_val", 0.2, 1221},
    {"socialiqa", "socialiqa_val", 1.0 / 3.0, 1954},
    {"openbookqa", "openbookqa_test", 0.25, 500},
};

// MMLU is the average of its four subsets weighted by their sizes (the
// paper's WEIGHT_BY_KEY).
constexpr const char* kMmluSubsets[] = {"stem", "humanities", "social_sciences",
                                        "other"};
constexpr double kMmluWeights[] = {0.215, 0.335, 0.219, 0.231};

MetricSpec Spec(const std::string& name, const std::string& prefix,
                const std::string& split, const std::string& suffix) {
  MetricSpec m;
  m.name = name;
  if (split == "mmlu_avg_test") {
    for (int i = 0; i < 4; ++i) {
      m.columns.push_back(prefix + "mmlu_" + kMmluSubsets[i] + "_test" +
                          suffix);
      m.weights.push_back(kMmluWeights[i]);
    }
  } else {
    m.columns.push_back(prefix + split + suffix);
  }
  return m;
}

}  // namespace

std::vector<TaskSpec> OlmoTasks() {
  std::vector<TaskSpec> out;
  for (const OlmoTask& t : kTasks) {
    TaskSpec s;
    s.name = t.name;
    s.intermediate = std::string(t.name) + "_bpb";
    s.metric = std::string(t.name) + "_acc";
    s.chance = t.chance;
    s.ceiling = 1.0;
    s.n_items = t.n_items;
    out.push_back(s);
  }
  return out;
}

Ladder OlmoLadder() {
  const CsvTable runs = datasets::Table("olmo_ladder/runs.csv");
  const std::vector<std::string> names = runs.Column("run");
  const std::vector<std::string> files = runs.Column("file");
  const std::vector<double> N = runs.NumericColumn("N");
  const std::vector<double> fpt = runs.NumericColumn("flops_per_token");
  const std::vector<std::int64_t> target = runs.IntegerColumn("target");
  std::vector<LadderRun> list;
  for (size_t i = 0; i < names.size(); ++i) {
    LadderRun r;
    r.name = names[i];
    r.N = N[i];
    r.flops_per_token = fpt[i];
    r.target = target[i] == 1;
    r.table = ExportFromCsv(datasets::Table("olmo_ladder/" + files[i]));
    list.push_back(std::move(r));
  }
  LadderOptions o;
  for (const OlmoTask& t : kTasks) {
    o.metrics.push_back(Spec(std::string(t.name) + "_bpb",
                             "eval/downstream_bpb/", t.split, "_rc_5shot_bpb"));
    o.metrics.push_back(Spec(std::string(t.name) + "_acc", "eval/downstream/",
                             t.split, "_rc_5shot_len_norm"));
  }
  MetricSpec c4;
  c4.name = "c4_loss";
  c4.columns = {"eval/c4_en-validation/CrossEntropyLoss"};
  o.metrics.push_back(c4);
  Ladder l = ReadLadder(list, o);
  if (l.runs().size() != 18) throw Error("embedded OLMo ladder is corrupt");
  return l;
}

}  // namespace scalefit::downstream
