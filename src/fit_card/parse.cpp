// Parsing a card's JSON text, shared by the fit-card reader (read.cpp) and
// the task-chain card reader (downstream/card.cpp): size, UTF-8, nesting
// depth, duplicate keys and JSON syntax, each refused with its place.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "fit_card/fit_card_internal.hpp"
#include "scalefit/detail/files.hpp"
#include "scalefit/error.hpp"

namespace scalefit::detail {

namespace {

// Checked while the JSON is parsed (nlohmann's parser is iterative and
// calls this for every event): the nesting depth, before a deep document
// costs anything, and duplicate keys, which JSON parsers otherwise resolve
// silently (nlohmann keeps the last one).
class ParseGuard {
 public:
  ParseGuard(const CardText& card) : card_(card) {}

  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    using Event = Json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        Element();
        if (static_cast<int>(frames_.size()) >= card_.max_depth)
          Fail("nested deeper than " + std::to_string(card_.max_depth) +
               " levels (the limit, " + card_.depth_option + "; " +
               card_.depth_note + ")");
        frames_.push_back(Frame{event == Event::object_start, {}, {}, -1});
        break;
      case Event::object_end:
      case Event::array_end:
        frames_.pop_back();
        break;
      case Event::key: {
        Frame& f = frames_.back();
        const std::string key = parsed.get<std::string>();
        if (!f.keys.insert(key).second) {
          f.key.clear();  // the place is the object that repeats the key
          Fail("duplicate key '" + key + "' (a card names each field once)");
        }
        f.key = key;
        break;
      }
      case Event::value:
        Element();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string key;  // object: the current key
    long index = -1;  // array: the current element
  };
  void Element() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  std::string Path() const {
    std::string p;
    for (const Frame& f : frames_) {
      if (f.object) {
        if (!f.key.empty()) p += (p.empty() ? "" : ".") + f.key;
      } else if (f.index >= 0) {
        p += "[" + std::to_string(f.index) + "]";
      }
    }
    return p.empty() ? "(top level)" : p;
  }
  [[noreturn]] void Fail(const std::string& what) const {
    throw InvalidArgument(card_.label + ": " + Path() + ": " + what);
  }

  const CardText& card_;
  std::vector<Frame> frames_;
};

}  // namespace

Json ParseCardJson(const std::string& text, const CardText& card) {
  if (text.size() > card.max_bytes)
    throw InvalidArgument(card.label + ": " + std::to_string(text.size()) +
                          " bytes is more than the limit of " +
                          std::to_string(card.max_bytes) + " bytes (" +
                          card.bytes_option + "); not parsed");
  int bad_line = 0, bad_column = 0;
  const size_t bad = FindInvalidUtf8(text, &bad_line, &bad_column);
  if (bad != std::string::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X",
                  static_cast<unsigned char>(text[bad]));
    throw InvalidArgument(card.label + ": not UTF-8 text: byte " + byte +
                          " at line " + std::to_string(bad_line) + ", column " +
                          std::to_string(bad_column) + " (byte offset " +
                          std::to_string(bad) + "; a card is UTF-8 JSON)");
  }
  try {
    ParseGuard guard(card);
    return Json::parse(text, std::ref(guard));
  } catch (const Json::exception& e) {
    // Parse errors name the line and column; a number out of the double
    // range (error 406, e.g. 1e999) does not, so find it in the text.
    std::string where;
    const std::string what = e.what();
    const size_t q1 = what.find('\''), q2 = what.rfind('\'');
    if (e.id == 406 && q1 != std::string::npos && q2 > q1) {
      const size_t at = text.find(what.substr(q1 + 1, q2 - q1 - 1));
      if (at != std::string::npos) {
        const size_t line =
            1 + std::count(text.begin(), text.begin() + at, '\n');
        const size_t bol = text.rfind('\n', at);
        const size_t col = at - (bol == std::string::npos ? 0 : bol + 1) + 1;
        where = " (a number that is not finite as a double) at line " +
                std::to_string(line) + ", column " + std::to_string(col);
      }
    }
    throw InvalidArgument(card.label + ": not valid JSON: " + what + where);
  }
}

}  // namespace scalefit::detail
