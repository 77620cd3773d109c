// The C API of include/strata_re2.h over RE2's C++ API.
#include "strata_re2.h"

#include <re2/re2.h>

#include <iterator>
#include <map>
#include <new>
#include <string>
#include <vector>

struct strata_re2 {
    re2::RE2 regex;
    strata_re2(const re2::StringPiece &pattern, const re2::RE2::Options &options) : regex(pattern, options) {}
};

namespace {

re2::RE2::Anchor anchorOf(int anchor) {
    switch (anchor) {
    case STRATA_RE2_ANCHOR_START: return re2::RE2::ANCHOR_START;
    case STRATA_RE2_ANCHOR_BOTH: return re2::RE2::ANCHOR_BOTH;
    default: return re2::RE2::UNANCHORED;
    }
}

// An empty Swift buffer may have no base address; RE2 wants a valid pointer.
re2::StringPiece pieceOf(const char *text, size_t length) {
    return length == 0 ? re2::StringPiece("", 0) : re2::StringPiece(text, length);
}

}  // namespace

extern "C" {

strata_re2 *strata_re2_new(const char *pattern, size_t length, int flags) {
    re2::RE2::Options options;
    options.set_encoding(re2::RE2::Options::EncodingUTF8);
    // Errors go back to the caller as values, never to stderr.
    options.set_log_errors(false);
    options.set_dot_nl((flags & STRATA_RE2_DOT_NL) != 0);
    try {
        return new strata_re2(pieceOf(pattern, length), options);
    } catch (...) {
        return nullptr;
    }
}

void strata_re2_free(strata_re2 *re) { delete re; }

int strata_re2_error_code(const strata_re2 *re) { return static_cast<int>(re->regex.error_code()); }

const char *strata_re2_error_arg(const strata_re2 *re, size_t *length) {
    const std::string &arg = re->regex.error_arg();
    *length = arg.size();
    return arg.data();
}

int strata_re2_match(const strata_re2 *re, const char *text, size_t length, int anchor) {
    re2::StringPiece piece = pieceOf(text, length);
    return re->regex.Match(piece, 0, piece.size(), anchorOf(anchor), nullptr, 0) ? 1 : 0;
}

int strata_re2_match_groups(const strata_re2 *re, const char *text, size_t length, int anchor,
                            int64_t *offsets, int groups) {
    if (groups < 0 || groups > re->regex.NumberOfCapturingGroups() + 1) return 0;
    re2::StringPiece piece = pieceOf(text, length);
    std::vector<re2::StringPiece> found;
    try {
        found.resize(static_cast<size_t>(groups));
    } catch (...) {
        return 0;
    }
    if (!re->regex.Match(piece, 0, piece.size(), anchorOf(anchor), found.data(), groups)) return 0;
    for (int i = 0; i < groups; i++) {
        const re2::StringPiece &g = found[static_cast<size_t>(i)];
        if (g.data() == nullptr) {
            offsets[2 * i] = -1;
            offsets[2 * i + 1] = -1;
        } else {
            offsets[2 * i] = static_cast<int64_t>(g.data() - piece.data());
            offsets[2 * i + 1] = offsets[2 * i] + static_cast<int64_t>(g.size());
        }
    }
    return 1;
}

int strata_re2_capture_count(const strata_re2 *re) { return re->regex.NumberOfCapturingGroups(); }

int strata_re2_named_group_count(const strata_re2 *re) {
    return static_cast<int>(re->regex.CapturingGroupNames().size());
}

int strata_re2_named_group(const strata_re2 *re, int i, const char **name, size_t *name_length) {
    const std::map<int, std::string> &names = re->regex.CapturingGroupNames();
    if (i < 0 || static_cast<size_t>(i) >= names.size()) return -1;
    auto it = names.begin();
    std::advance(it, i);
    *name = it->second.data();
    *name_length = it->second.size();
    return it->first;
}

int strata_re2_program_size(const strata_re2 *re) { return re->regex.ProgramSize(); }

int64_t strata_re2_max_mem(const strata_re2 *re) { return re->regex.options().max_mem(); }

}  // extern "C"
