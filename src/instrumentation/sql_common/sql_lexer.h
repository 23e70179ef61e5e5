// A small SQL tokenizer: enough to tell literals, identifiers, placeholders and comments apart for
// the statement parser and the sanitizer. It never fails: any byte sequence yields tokens, and an
// unterminated literal or comment runs to the end of the text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adot/instrumentation/sql.h"

namespace adot::instrumentation::sql::internal {

enum class TokenKind : uint8_t {
  kEnd,
  kSpace,
  kComment,
  kWord,         // unquoted identifier or keyword
  kQuotedIdent,  // "x", `x`, [x], U&"x"
  kString,       // '..', E'..', X'..', B'..', N'..', U&'..', $tag$..$tag$
  kNumber,       // 42, 1.5, .5, 1e5, 0x1F, 1_000
  kParam,        // $1, ?, ?1, :name, @name, $name
  kPunct,        // any other single byte (operators, parentheses, commas, ...)
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t begin = 0;
  size_t end = 0;
};

class Lexer {
 public:
  Lexer(std::string_view text, Dialect dialect) noexcept : text_(text), dialect_(dialect) {}

  Token Next() noexcept;
  std::string_view Text(const Token& t) const noexcept {
    return text_.substr(t.begin, t.end - t.begin);
  }

 private:
  char At(size_t i) const noexcept { return i < text_.size() ? text_[i] : '\0'; }
  size_t SkipQuoted(size_t pos, char close, bool backslash_escapes) const noexcept;
  size_t SkipBlockComment(size_t pos) const noexcept;
  // The end of a dollar-quoted string starting at pos, or 0 when pos does not open one.
  size_t SkipDollarQuoted(size_t pos) const noexcept;
  size_t SkipNumber(size_t pos) const noexcept;
  size_t SkipWord(size_t pos) const noexcept;

  std::string_view text_;
  Dialect dialect_;
  size_t pos_ = 0;
};

inline bool IsIdentStart(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
inline bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }
inline bool IsIdentChar(char c) noexcept { return IsIdentStart(c) || IsDigit(c) || c == '$'; }
inline bool IsSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// ASCII case-insensitive comparison of a word with an upper-case keyword.
inline bool KeywordIs(std::string_view word, std::string_view upper_keyword) noexcept {
  if (word.size() != upper_keyword.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper_keyword[i]) return false;
  }
  return true;
}

}  // namespace adot::instrumentation::sql::internal
