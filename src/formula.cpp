// Formula-string laws (formula.hpp): a depth-limited recursive-descent
// parser into a flat expression tree whose nodes are stored children first,
// evaluated for doubles and for Jets (exact gradients) by one loop over the
// nodes (no recursion, whatever the tree's depth).
#include "scalefit/formula.hpp"

#include <ceres/jet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "scalefit/error.hpp"
#include "scalefit/runtime_law.hpp"

namespace scalefit {

namespace {

enum class Op {
  kConst,
  kName,
  kParam,
  kInput,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kNeg,
  kExp,
  kLog,
  kSqrt,
  kAbs,
  kMin,
  kMax,
};

struct Node {
  Op op;
  double value = 0.0;  // kConst
  int index = -1;      // kParam / kInput: position; kName: into names
  int a = -1, b = -1;  // children
  size_t pos = 0;      // character position (errors)
};

struct Tree {
  std::vector<Node> nodes;
  std::vector<std::string> names;  // distinct names in order of appearance
  int root = -1;
};

// Length of the valid UTF-8 sequence starting at s[i] (1 for ASCII), or 0.
size_t Utf8Length(const std::string& s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  const size_t len = c < 0x80                ? 1
                     : c >= 0xF0 && c < 0xF8 ? 4
                     : c >= 0xE0             ? 3
                     : c >= 0xC2             ? 2
                                             : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return len;
}

// A byte of the formula as text for a message: the character itself when it
// is printable ASCII, its code point when it starts a valid UTF-8 sequence
// (names are ASCII, so "α" is refused by name), else its hex value.
std::string DescribeChar(const std::string& s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  char buf[64];
  if (c >= 0x20 && c < 0x7f)
    return "'" + std::string(1, static_cast<char>(c)) + "'";
  if (c < 0x80) {
    std::snprintf(buf, sizeof buf, "control character 0x%02X", c);
    return buf;
  }
  const size_t len = Utf8Length(s, i);
  if (len > 1) {
    unsigned cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    std::snprintf(buf, sizeof buf, "non-ASCII character U+%04X ('%s')", cp,
                  s.substr(i, len).c_str());
    return buf;
  }
  std::snprintf(buf, sizeof buf, "byte 0x%02X (not ASCII, not UTF-8)", c);
  return buf;
}

// The formula for an error message: one line, at most ~120 characters
// around byte `at`, with a caret under it. Control characters and bytes
// that are not UTF-8 are shown as '?', so the message is always valid
// UTF-8 and the caret lines up (one column per character).
std::string Excerpt(const std::string& s, size_t at) {
  const size_t kHalf = 60;
  size_t begin = at > kHalf ? at - kHalf : 0;
  while (begin > 0 && (static_cast<unsigned char>(s[begin]) & 0xC0) == 0x80)
    --begin;
  const size_t end = std::min(s.size(), at + kHalf);
  std::string line = begin > 0 ? "..." : "";
  size_t columns = line.size(), caret = columns;
  for (size_t i = begin; i < end;) {
    if (i == at) caret = columns;
    const size_t len = Utf8Length(s, i);
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (len == 0 || (len == 1 && (c < 0x20 || c == 0x7f))) {
      line += '?';
      ++i;
    } else {
      line.append(s, i, len);
      i += len;
    }
    ++columns;
  }
  if (at >= end) caret = columns;
  if (end < s.size()) line += "...";
  return "\n  " + line + "\n  " + std::string(caret, ' ') + "^";
}

class Parser {
 public:
  Parser(const std::string& s, int max_length, int max_depth)
      : s_(s), max_length_(max_length), max_depth_(max_depth) {}

  Tree Parse() {
    if (max_length_ < 1 || max_depth_ < 1)
      throw InvalidArgument(
          "formula law: max_length and max_depth must be >= 1");
    if (s_.size() > static_cast<size_t>(max_length_))
      throw InvalidArgument(
          "formula is " + std::to_string(s_.size()) +
          " characters long; the limit is " + std::to_string(max_length_) +
          " (FormulaLawOptions::max_length; max_length= in Python)");
    SkipSpace();
    if (i_ >= s_.size()) Fail("the formula is empty");
    tree_.root = Expr();
    SkipSpace();
    if (i_ < s_.size()) Fail("unexpected " + DescribeChar(s_, i_));
    return std::move(tree_);
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const { FailAt(what, i_); }
  [[noreturn]] void FailAt(const std::string& what, size_t at) const {
    throw InvalidArgument("formula does not parse: " + what + " at position " +
                          std::to_string(at) + " (0-based):" + Excerpt(s_, at));
  }
  // One nesting level (parenthesis, call, unary sign, exponent) while alive.
  class Level {
   public:
    explicit Level(Parser* p) : p_(p) {
      if (++p_->depth_ > p_->max_depth_)
        p_->Fail(
            "nested deeper than " + std::to_string(p_->max_depth_) +
            " levels (the limit, FormulaLawOptions::max_depth; max_depth= in "
            "Python)");
    }
    ~Level() { --p_->depth_; }

   private:
    Parser* p_;
  };

  void SkipSpace() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
      ++i_;
  }
  bool Accept(const char* tok) {
    SkipSpace();
    const size_t n = std::char_traits<char>::length(tok);
    if (s_.compare(i_, n, tok) == 0) {
      // "*" must not swallow the first half of "**".
      if (n == 1 && tok[0] == '*' && s_.compare(i_, 2, "**") == 0) return false;
      i_ += n;
      return true;
    }
    return false;
  }
  int Add(Node n) {
    tree_.nodes.push_back(n);
    return static_cast<int>(tree_.nodes.size()) - 1;
  }
  int Binary(Op op, int a, int b, size_t pos) {
    Node n{op};
    n.a = a;
    n.b = b;
    n.pos = pos;
    return Add(n);
  }

  int Expr() {
    int left = Term();
    for (;;) {
      const size_t pos = (SkipSpace(), i_);
      if (Accept("+")) {
        left = Binary(Op::kAdd, left, Term(), pos);
      } else if (Accept("-")) {
        left = Binary(Op::kSub, left, Term(), pos);
      } else {
        return left;
      }
    }
  }
  int Term() {
    int left = Unary();
    for (;;) {
      const size_t pos = (SkipSpace(), i_);
      if (Accept("*")) {
        left = Binary(Op::kMul, left, Unary(), pos);
      } else if (Accept("/")) {
        left = Binary(Op::kDiv, left, Unary(), pos);
      } else {
        return left;
      }
    }
  }
  int Unary() {
    const Level level(this);
    const size_t pos = (SkipSpace(), i_);
    if (Accept("-")) return Binary(Op::kNeg, Unary(), -1, pos);
    if (Accept("+")) return Unary();
    return Power();
  }
  int Power() {
    const int base = Primary();
    const size_t pos = (SkipSpace(), i_);
    if (Accept("**") || Accept("^"))
      return Binary(Op::kPow, base, Unary(), pos);
    return base;
  }
  int Primary() {
    SkipSpace();
    if (i_ >= s_.size()) Fail("unexpected end of formula");
    const size_t pos = i_;
    const char c = s_[i_];
    if (c == '(') {
      ++i_;
      const int e = Expr();
      if (!Accept(")"))
        Fail("expected ')' to close the '(' at position " +
             std::to_string(pos));
      return e;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const char* begin = s_.c_str() + i_;
      char* end = nullptr;
      const double v = std::strtod(begin, &end);
      if (end == begin) Fail("bad number");
      i_ += static_cast<size_t>(end - begin);
      if (!std::isfinite(v)) FailAt("number out of range", pos);
      Node n{Op::kConst};
      n.value = v;
      n.pos = pos;
      return Add(n);
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i_;
      while (j < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_'))
        ++j;
      const std::string name = s_.substr(i_, j - i_);
      i_ = j;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == '(') return Call(name, pos);
      if (IsFunction(name))
        FailAt("function '" + name + "' needs arguments in parentheses", pos);
      auto it = name_index_.find(name);
      if (it == name_index_.end()) {
        it = name_index_.emplace(name, static_cast<int>(tree_.names.size()))
                 .first;
        tree_.names.push_back(name);
      }
      Node n{Op::kName};
      n.index = it->second;
      n.pos = pos;
      return Add(n);
    }
    Fail("unexpected " + DescribeChar(s_, i_));
  }

  static bool IsFunction(const std::string& f) {
    return f == "exp" || f == "log" || f == "sqrt" || f == "abs" ||
           f == "pow" || f == "min" || f == "max";
  }

  int Call(const std::string& f, size_t pos) {
    ++i_;  // '('
    std::vector<int> args;
    SkipSpace();
    if (!(i_ < s_.size() && s_[i_] == ')')) {
      args.push_back(Expr());
      while (Accept(",")) args.push_back(Expr());
    }
    if (!Accept(")")) Fail("expected ')' or ',' in the call of '" + f + "'");
    auto want = [&](size_t k) {
      if (args.size() != k)
        FailAt("function '" + f + "' takes " + std::to_string(k) +
                   " argument(s), got " + std::to_string(args.size()),
               pos);
    };
    Op op;
    if (f == "exp") {
      want(1);
      op = Op::kExp;
    } else if (f == "log") {
      want(1);
      op = Op::kLog;
    } else if (f == "sqrt") {
      want(1);
      op = Op::kSqrt;
    } else if (f == "abs") {
      want(1);
      op = Op::kAbs;
    } else if (f == "pow") {
      want(2);
      op = Op::kPow;
    } else if (f == "min") {
      want(2);
      op = Op::kMin;
    } else if (f == "max") {
      want(2);
      op = Op::kMax;
    } else {
      FailAt("unknown function '" + f +
                 "' (known: exp, log, sqrt, abs, pow, min, max)",
             pos);
    }
    return Binary(op, args[0], args.size() > 1 ? args[1] : -1, pos);
  }

  const std::string& s_;
  const int max_length_, max_depth_;
  size_t i_ = 0;
  int depth_ = 0;
  Tree tree_;
  std::unordered_map<std::string, int> name_index_;
};

// Evaluates the tree at (p, x): nodes are stored children first, so one
// pass in index order fills `v` (scratch, one slot per node) and the root
// is the last slot filled.
template <typename T>
T EvalTree(const std::vector<Node>& nodes, int root, const T* p,
           const double* x, std::vector<T>& v) {
  using std::abs;
  using std::exp;
  using std::log;
  using std::pow;
  using std::sqrt;
  v.resize(nodes.size());
  for (int id = 0; id <= root; ++id) {
    const Node& n = nodes[id];
    T& out = v[id];
    switch (n.op) {
      case Op::kConst:
        out = T(n.value);
        break;
      case Op::kParam:
        out = p[n.index];
        break;
      case Op::kInput:
        out = T(x[n.index]);
        break;
      case Op::kAdd:
        out = v[n.a] + v[n.b];
        break;
      case Op::kSub:
        out = v[n.a] - v[n.b];
        break;
      case Op::kMul:
        out = v[n.a] * v[n.b];
        break;
      case Op::kDiv:
        out = v[n.a] / v[n.b];
        break;
      case Op::kPow:
        out = nodes[n.b].op == Op::kConst ? pow(v[n.a], nodes[n.b].value)
                                          : pow(v[n.a], v[n.b]);
        break;
      case Op::kNeg:
        out = -v[n.a];
        break;
      case Op::kExp:
        out = exp(v[n.a]);
        break;
      case Op::kLog:
        out = log(v[n.a]);
        break;
      case Op::kSqrt:
        out = sqrt(v[n.a]);
        break;
      case Op::kAbs:
        out = abs(v[n.a]);
        break;
      case Op::kMin:
        out = v[n.b] < v[n.a] ? v[n.b] : v[n.a];
        break;
      case Op::kMax:
        out = v[n.a] < v[n.b] ? v[n.b] : v[n.a];
        break;
      case Op::kName:
        out = T(std::numeric_limits<double>::quiet_NaN());
        break;
    }
  }
  return v[root];
}

// Is the tree, as a function of the linear parameters, of the form
// Σ_k c_k φ_k (kHom), free of them (kFree), or neither (kOther)?
enum class Lin { kFree, kHom, kOther };

Lin Combine(const Node& n, const std::vector<Lin>& l,
            const std::vector<unsigned char>& linear) {
  switch (n.op) {
    case Op::kConst:
    case Op::kInput:
    case Op::kName:
      return Lin::kFree;
    case Op::kParam:
      return linear[n.index] ? Lin::kHom : Lin::kFree;
    case Op::kNeg:
      return l[n.a];
    case Op::kAdd:
    case Op::kSub:
      return l[n.a] == l[n.b] ? l[n.a] : Lin::kOther;
    case Op::kMul:
      if (l[n.a] == Lin::kFree) return l[n.b];
      if (l[n.b] == Lin::kFree) return l[n.a];
      return Lin::kOther;
    case Op::kDiv:
      return l[n.b] == Lin::kFree ? l[n.a] : Lin::kOther;
    default: {
      const Lin b = n.b >= 0 ? l[n.b] : Lin::kFree;
      return l[n.a] == Lin::kFree && b == Lin::kFree ? Lin::kFree : Lin::kOther;
    }
  }
}

// Children first, as EvalTree.
Lin Linearity(const std::vector<Node>& nodes, int root,
              const std::vector<unsigned char>& linear) {
  std::vector<Lin> l(nodes.size(), Lin::kFree);
  for (int id = 0; id <= root; ++id) l[id] = Combine(nodes[id], l, linear);
  return l[root];
}

using FormulaJet = ceres::Jet<double, kMaxFormulaParams>;

class FormulaLaw final : public BatchLaw {
 public:
  FormulaLaw(LawInfo info, std::vector<Node> nodes, int root)
      : BatchLaw(std::move(info)), nodes_(std::move(nodes)), root_(root) {}

  bool Batch(const double* p, const double* x, int n, double* values,
             double* jac) const override {
    const int P = info_.num_params();
    const int K = info_.num_inputs();
    if (!jac) {
      std::vector<double> scratch;
      for (int i = 0; i < n; ++i)
        values[i] = EvalTree<double>(nodes_, root_, p,
                                     x + static_cast<size_t>(i) * K, scratch);
      return true;
    }
    FormulaJet pj[kMaxFormulaParams];
    for (int k = 0; k < P; ++k) pj[k] = FormulaJet(p[k], k);
    std::vector<FormulaJet> scratch;
    for (int i = 0; i < n; ++i) {
      const FormulaJet v = EvalTree<FormulaJet>(
          nodes_, root_, pj, x + static_cast<size_t>(i) * K, scratch);
      values[i] = v.a;
      for (int k = 0; k < P; ++k) jac[static_cast<size_t>(i) * P + k] = v.v[k];
    }
    return true;
  }

 private:
  std::vector<Node> nodes_;
  int root_;
};

// At most 20 names, then how many more.
std::string Join(const std::vector<std::string>& v) {
  std::string s;
  const size_t shown = std::min<size_t>(v.size(), 20);
  for (size_t i = 0; i < shown; ++i) s += (s.empty() ? "" : ", ") + v[i];
  if (v.size() > shown)
    s += ", ... (" + std::to_string(v.size() - shown) + " more)";
  return s.empty() ? "(none)" : s;
}

}  // namespace

std::vector<std::string> FormulaNames(const std::string& formula,
                                      int max_length, int max_depth) {
  return Parser(formula, max_length, max_depth).Parse().names;
}

LawPtr MakeFormulaLaw(const std::string& formula, const FormulaLawOptions& o) {
  Tree tree = Parser(formula, o.max_length, o.max_depth).Parse();
  if (o.params.empty() && o.inputs.empty())
    throw InvalidArgument(
        "formula law: give the parameter names or the input names (or both); "
        "the formula uses: " +
        Join(tree.names));
  // Sets, so that a formula with thousands of names costs no quadratic time.
  std::set<std::string> param_set(o.params.begin(), o.params.end()),
      input_set(o.inputs.begin(), o.inputs.end()),
      name_set(tree.names.begin(), tree.names.end());
  std::vector<std::string> params = o.params, inputs = o.inputs;
  if (params.empty()) {
    for (const auto& n : tree.names)
      if (!input_set.count(n)) params.push_back(n);
  }
  if (inputs.empty()) {
    for (const auto& n : tree.names)
      if (!param_set.count(n)) inputs.push_back(n);
  }
  param_set = std::set<std::string>(params.begin(), params.end());
  input_set = std::set<std::string>(inputs.begin(), inputs.end());
  if (static_cast<int>(params.size()) > kMaxFormulaParams)
    throw InvalidArgument("formula law: " + std::to_string(params.size()) +
                          " parameters; at most " +
                          std::to_string(kMaxFormulaParams) + " are supported");
  for (const auto& n : params)
    if (input_set.count(n))
      throw InvalidArgument("formula law: '" + n +
                            "' is both a parameter and an input");
  // Every name used must be declared, every declared name used.
  for (const Node& node : tree.nodes) {
    if (node.op != Op::kName) continue;
    const std::string& n = tree.names[node.index];
    if (!param_set.count(n) && !input_set.count(n))
      throw UnknownName("formula uses unknown name '" + n + "' at position " +
                        std::to_string(node.pos) +
                        " (0-based): it is neither a parameter (" +
                        Join(params) + ") nor an input (" + Join(inputs) + ")");
  }
  for (const auto& n : params)
    if (!name_set.count(n))
      throw InvalidArgument("formula law: parameter '" + n +
                            "' does not appear in the formula");
  for (const auto& n : inputs)
    if (!name_set.count(n))
      throw InvalidArgument("formula law: input '" + n +
                            "' does not appear in the formula");
  if (params.empty())
    throw InvalidArgument("formula law: the formula has no parameters");
  if (inputs.empty())
    throw InvalidArgument("formula law: the formula has no inputs");
  std::unordered_map<std::string, int> param_index, input_index;
  for (size_t k = 0; k < params.size(); ++k)
    param_index.emplace(params[k], static_cast<int>(k));
  for (size_t k = 0; k < inputs.size(); ++k)
    input_index.emplace(inputs[k], static_cast<int>(k));
  for (Node& node : tree.nodes) {
    if (node.op != Op::kName) continue;
    const std::string& n = tree.names[node.index];
    auto ip = param_index.find(n);
    if (ip != param_index.end()) {
      node.op = Op::kParam;
      node.index = ip->second;
    } else {
      node.op = Op::kInput;
      node.index = input_index.at(n);
    }
  }

  LawInfo info;
  info.name = o.name.empty() ? "formula" : o.name;
  info.formula = formula;
  info.input_names = inputs;
  info.origin = LawInfo::Origin::kFormula;
  info.params = MakeParamInfos(info.name, params, o.positive, o.linear,
                               o.bounds, o.start, o.init);
  std::vector<unsigned char> linear(params.size(), 0);
  for (size_t k = 0; k < params.size(); ++k) linear[k] = info.params[k].linear;
  if (!o.linear.empty() &&
      Linearity(tree.nodes, tree.root, linear) != Lin::kHom) {
    throw InvalidArgument(
        "formula law: the parameters declared linear (" + Join(o.linear) +
        ") do not enter as a sum of terms c_k * phi_k(x; other parameters) "
        "with no term free of them; drop them from `linear`");
  }
  return std::make_shared<FormulaLaw>(std::move(info), std::move(tree.nodes),
                                      tree.root);
}

}  // namespace scalefit
