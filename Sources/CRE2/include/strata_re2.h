// A plain C view of RE2 (Debian libre2-dev) for Swift: compile, match on a (pointer, length)
// UTF-8 buffer, capture groups, program size. RE2 matches in time linear in the input.
#ifndef STRATA_RE2_H
#define STRATA_RE2_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A compiled RE2 regex (or the error of one that did not compile). Immutable once built, so
/// matching from several threads at once is safe (RE2 guarantees it for its const methods).
typedef struct strata_re2 strata_re2;

/// Compile flag: `.` also matches `\n` (the `s` flag), as Prometheus's `(?s:...)` wrapper.
#define STRATA_RE2_DOT_NL 1

/// Anchoring of a match (RE2::Anchor).
#define STRATA_RE2_UNANCHORED 0
#define STRATA_RE2_ANCHOR_START 1
#define STRATA_RE2_ANCHOR_BOTH 2

/// Compiles `pattern` (UTF-8, `length` bytes, may contain NUL) in RE2's default Perl-like syntax.
/// Returns NULL only when memory runs out; otherwise check `strata_re2_error_code`.
/// Release with `strata_re2_free`.
strata_re2 *strata_re2_new(const char *pattern, size_t length, int flags);

/// Releases a regex from `strata_re2_new` (NULL is ignored).
void strata_re2_free(strata_re2 *re);

/// 0 when the pattern compiled; otherwise RE2's `RE2::ErrorCode`.
int strata_re2_error_code(const strata_re2 *re);

/// The fragment of the pattern the error is about (RE2's `error_arg()`); `*length` gets its size.
/// Valid until the regex is freed.
const char *strata_re2_error_arg(const strata_re2 *re, size_t *length);

/// 1 when `text` (`length` bytes) matches with the given anchoring, else 0.
int strata_re2_match(const strata_re2 *re, const char *text, size_t length, int anchor);

/// Like `strata_re2_match`, and writes the byte offsets of group 0 ... `groups - 1` into
/// `offsets[2 * i]` (start) and `offsets[2 * i + 1]` (end); -1, -1 for a group that did not take part.
/// `groups` must be at most `strata_re2_capture_count(re) + 1`.
int strata_re2_match_groups(const strata_re2 *re, const char *text, size_t length, int anchor,
                            int64_t *offsets, int groups);

/// The number of capturing groups (not counting the whole match).
int strata_re2_capture_count(const strata_re2 *re);

/// The number of named capturing groups.
int strata_re2_named_group_count(const strata_re2 *re);

/// The `i`-th named group in group-number order: returns its group number and points `*name`
/// (`*name_length` bytes, valid until the regex is freed) at its name; -1 when `i` is out of range.
int strata_re2_named_group(const strata_re2 *re, int i, const char **name, size_t *name_length);

/// The size of the compiled program (RE2's `ProgramSize()`, instructions), for memory accounting.
int strata_re2_program_size(const strata_re2 *re);

/// The memory budget RE2 gives one regex (program plus lazily built DFA states), in bytes.
int64_t strata_re2_max_mem(const strata_re2 *re);

#ifdef __cplusplus
}
#endif

#endif
