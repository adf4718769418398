// Line and token reading shared by the resolv.conf and hosts parsers: both are lines of
// blank-separated words with '#' comments. Header-only because it is a few lines of loops.
#pragma once
#include <cstddef>

namespace tickwire::detail::dns {

struct Token {
    const char* text;
    size_t len;
    bool empty() const noexcept { return len == 0; }
    bool equals(const char* word) const noexcept {
        size_t i = 0;
        for (; i < len; ++i)
            if (word[i] == '\0' || word[i] != text[i]) return false;
        return word[i] == '\0';
    }
};

// Reads `text` line by line; within a line, word by word. A '#' starts a comment that runs to
// the end of the line (callers that also treat ';' as a comment check the first word).
class ConfigText {
public:
    ConfigText(const char* text, size_t len) noexcept : text_(text), len_(text ? len : 0) {}

    // Moves to the next line; false at the end of the text.
    bool next_line() noexcept {
        if (started_) {
            while (pos_ < len_ && text_[pos_] != '\n') ++pos_;
            if (pos_ >= len_) return false;
            ++pos_;  // past '\n'
        } else if (len_ == 0) {
            return false;
        }
        started_ = true;
        in_comment_ = false;
        return true;
    }

    // Next word on the current line, or an empty token at the end of the line or a comment.
    Token next_word() noexcept {
        while (pos_ < len_ && is_blank(text_[pos_])) ++pos_;
        if (in_comment_ || pos_ >= len_ || text_[pos_] == '\n' || text_[pos_] == '#') {
            in_comment_ = true;
            return {text_ + pos_, 0};
        }
        size_t start = pos_;
        while (pos_ < len_ && !is_blank(text_[pos_]) && text_[pos_] != '\n' && text_[pos_] != '#') ++pos_;
        return {text_ + start, pos_ - start};
    }

private:
    static bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

    const char* text_;
    size_t len_;
    size_t pos_ = 0;
    bool started_ = false;
    bool in_comment_ = false;
};

} // namespace tickwire::detail::dns
