#include "commands/command_docs.h"

namespace eddy::commands {
namespace {

// A recursive-descent reader of the grammar in command_table.h.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool done() {
    skip_spaces();
    return pos_ >= text_.size();
  }

  // arg := '[' body ']' | body
  std::optional<ArgumentDoc> arg() {
    skip_spaces();
    bool optional = eat('[');
    auto doc = body();
    if (!doc) return std::nullopt;
    if (optional && !eat(']')) return std::nullopt;
    doc->optional = optional;
    if (text_.substr(pos_, 3) == "...") {
      doc->multiple = true;
      pos_ += 3;
    }
    return doc;
  }

 private:
  // body := name '=' type ['@' TOKEN] ['(' args ')'] ['...']
  std::optional<ArgumentDoc> body() {
    ArgumentDoc doc;
    doc.name = word("=");
    if (doc.name.empty() || !eat('=')) return std::nullopt;
    doc.type = word("@(|) ]");
    if (doc.type == "pure") doc.type = "pure-token";
    if (eat('@')) doc.token = word("(|) ]");
    if (doc.type == "oneof" || doc.type == "block") {
      if (!eat('(')) return std::nullopt;
      char separator = doc.type == "oneof" ? '|' : ' ';
      while (true) {
        auto child = arg();
        if (!child) return std::nullopt;
        doc.arguments.push_back(std::move(*child));
        if (eat(')')) break;
        if (!eat(separator)) return std::nullopt;
      }
    }
    if (text_.substr(pos_, 3) == "...") {
      doc.multiple = true;
      pos_ += 3;
    }
    return doc;
  }

  std::string word(std::string_view stops) {
    size_t start = pos_;
    while (pos_ < text_.size() && stops.find(text_[pos_]) == std::string_view::npos &&
           text_.substr(pos_, 3) != "...")
      ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void skip_spaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<std::vector<ArgumentDoc>> parse_argument_docs(std::string_view grammar) {
  std::vector<ArgumentDoc> out;
  Reader reader(grammar);
  while (!reader.done()) {
    auto doc = reader.arg();
    if (!doc) return std::nullopt;
    out.push_back(std::move(*doc));
  }
  return out;
}

}  // namespace eddy::commands
