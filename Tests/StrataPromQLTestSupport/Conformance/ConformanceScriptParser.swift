import StrataModel

/// Parses a promqltest script into commands, following upstream's reader line by line:
/// lines are trimmed, `#` lines count as blank, a blank line ends a `load` or `eval` block,
/// and a bare number under an `eval` ends that block too.
struct ConformanceScriptParser {
    private let patLoad: Regex<AnyRegexOutput>
    private let patEvalInstant: Regex<AnyRegexOutput>
    private let patEvalRange: Regex<AnyRegexOutput>
    private let patExpect: Regex<AnyRegexOutput>
    private let patExpectRange: Regex<AnyRegexOutput>

    /// Compiles upstream's command patterns.
    init() throws {
        patLoad = try Regex(#"^load(?:_(with_nhcb))?\s+(.+?)$"#)
        patEvalInstant = try Regex(#"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$"#)
        patEvalRange = try Regex(#"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$"#)
        patExpect = try Regex(#"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$"#)
        patExpectRange = try Regex(#"^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$"#)
    }

    /// Parses the whole text of `file`.
    func parse(_ text: String, file: String) throws(ConformanceScriptError) -> ConformanceScript {
        let lines = Self.lines(text)
        var commands: [ConformanceCommand] = []
        var i = 0
        while i < lines.count {
            let l = lines[i]
            if l.isEmpty { i += 1; continue }
            let word = l.prefix { $0 != " " && $0 != "\t" }.lowercased()
            if word == "clear" {
                commands.append(.clear(i + 1))
            } else if word.hasPrefix("load") {
                let (next, load) = try parseLoad(lines, i)
                commands.append(.load(load))
                i = next
            } else if word.hasPrefix("eval") {
                let (next, eval) = try parseEval(lines, i)
                commands.append(.eval(eval))
                i = next
            } else {
                throw ConformanceScriptError(line: i + 1, message: "invalid command \"\(l)\"")
            }
            i += 1
        }
        return ConformanceScript(file: file, commands: commands)
    }

    /// Lines trimmed of surrounding white space, with comment lines blanked.
    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { raw in
            let t = trim(raw)
            return t.hasPrefix("#") ? Substring("") : t
        }
    }

    static func trim(_ s: Substring) -> Substring {
        var t = s
        while let f = t.first, f.isWhitespace { t = t.dropFirst() }
        while let l = t.last, l.isWhitespace { t = t.dropLast() }
        return t
    }

    // MARK: load

    /// Returns the index of the block's last line and the command.
    func parseLoad(_ lines: [Substring], _ start: Int) throws(ConformanceScriptError) -> (Int, ConformanceLoad) {
        let header = lines[start]
        guard let m = try? patLoad.wholeMatch(in: header), let stepText = m.output[2].substring else {
            throw ConformanceScriptError(line: start + 1, message: "invalid load command (load[_with_nhcb] <step:duration>)")
        }
        guard let interval = ConformanceLiterals.duration(stepText) else {
            throw ConformanceScriptError(line: start + 1, message: "invalid step definition \"\(stepText)\"")
        }
        var load = ConformanceLoad(line: start + 1, interval: interval, withNHCB: m.output[1].substring != nil, series: [])
        var indexByLabels: [Labels: Int] = [:]
        var i = start
        while i + 1 < lines.count {
            i += 1
            let def = lines[i]
            if def.isEmpty { i -= 1; break }
            // Start-timestamp lines (`metric@st …`, `@st …`) belong to the experimental
            // start-timestamp feature; the runner does not model start timestamps.
            let head = def.prefix { $0 != " " && $0 != "\t" }
            if head.hasSuffix("@st") { continue }
            let series: ConformanceSeries
            do {
                series = try ConformanceSeriesParser.parse(def)
            } catch {
                throw ConformanceScriptError(line: i + 1, message: error.message)
            }
            if let existing = indexByLabels[series.labels] {
                load.series[existing] = series
            } else {
                indexByLabels[series.labels] = load.series.count
                load.series.append(series)
            }
        }
        return (i, load)
    }

    // MARK: eval

    func parseEval(_ lines: [Substring], _ start: Int) throws(ConformanceScriptError) -> (Int, ConformanceEval) {
        let header = lines[start]
        let lineNo = start + 1
        func fail(_ message: String) -> ConformanceScriptError { ConformanceScriptError(line: lineNo, message: message) }

        var eval: ConformanceEval
        let modifier: Substring?
        if let m = try? patEvalInstant.wholeMatch(in: header), let expr = m.output[3].substring {
            let atText = m.output[2].substring ?? ""
            guard let at = ConformanceLiterals.duration(atText) else {
                throw fail("invalid timestamp definition \"\(atText)\"")
            }
            eval = ConformanceEval(line: lineNo, expression: String(expr), isRange: false, start: at, end: Int64.min, step: 0, evalTime: at)
            modifier = m.output[1].substring
        } else if let m = try? patEvalRange.wholeMatch(in: header),
                  let fromText = m.output[2].substring, let toText = m.output[3].substring,
                  let stepText = m.output[4].substring, let expr = m.output[5].substring {
            let (from, to, step) = try durations(fromText, toText, stepText, line: lineNo)
            eval = ConformanceEval(line: lineNo, expression: String(expr), isRange: true, start: from, end: to, step: step, evalTime: from)
            modifier = m.output[1].substring
        } else {
            throw fail("invalid evaluation command; must be 'eval[_fail|_warn|_info|_ordered] instant at <time> <query>' or 'eval[_fail|_warn|_info] range from <from> to <to> step <step> <query>'")
        }
        switch modifier {
        case "fail": eval.failFlag = true
        case "warn": eval.warnFlag = true
        case "info": eval.infoFlag = true
        case "ordered": eval.orderedFlag = true
        default: break
        }

        var rangeVector = false
        var indexByLabels: [Labels: Int] = [:]
        var position = 0
        var i = start
        while i + 1 < lines.count {
            i += 1
            let def = lines[i]
            if def.isEmpty { i -= 1; break }
            if eval.failFlag, def.hasPrefix("expected_fail_message") {
                eval.expectedFailMessage = String(Self.trim(def.dropFirst("expected_fail_message".count)))
                break
            }
            if eval.failFlag, def.hasPrefix("expected_fail_regexp") {
                eval.expectedFailRegexp = String(Self.trim(def.dropFirst("expected_fail_regexp".count)))
                break
            }
            if def.hasPrefix("expect range vector") {
                guard let m = try? patExpectRange.wholeMatch(in: def),
                      let f = m.output[1].substring, let t = m.output[2].substring, let s = m.output[3].substring
                else { throw ConformanceScriptError(line: i + 1, message: "invalid range vector definition \"\(def)\"") }
                let (from, to, step) = try durations(f, t, s, line: i + 1)
                rangeVector = true
                eval.start = from
                eval.end = to
                eval.step = step
                eval.evalTime = to
                eval.excludeFromRangeQuery = true
                continue
            }
            if def.hasPrefix("expect string") {
                let rest = def.dropFirst("expect string".count)
                guard rest.first == " ", let s = ConformanceLiterals.unquote(rest.dropFirst()) else {
                    throw ConformanceScriptError(line: i + 1, message: "expected string literal not valid - a correctly quoted string literal is required")
                }
                eval.expectedString = s
                eval.excludeFromRangeQuery = true
                continue
            }
            if def.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).first == "expect" {
                eval.expects.append(try parseExpect(def, line: i + 1))
                try validate(eval, line: i + 1)
                continue
            }
            if let f = ConformanceLiterals.number(def) {
                eval.expectScalar = true
                eval.scalar = .float(f)
                break
            }
            let series: ConformanceSeries
            do {
                series = try ConformanceSeriesParser.parse(def)
            } catch {
                throw ConformanceScriptError(line: i + 1, message: error.message)
            }
            if series.values.count > 1 && !eval.isRange && !rangeVector {
                throw ConformanceScriptError(line: i + 1, message: "expecting multiple values in instant evaluation not allowed; use 'expect range vector' for a range vector result")
            }
            position += 1
            eval.expectScalar = false
            let expected = ConformanceExpectedSeries(labels: series.labels, values: series.values, position: position)
            if let existing = indexByLabels[series.labels] {
                eval.series[existing] = expected
            } else {
                indexByLabels[series.labels] = eval.series.count
                eval.series.append(expected)
            }
        }
        return (i, eval)
    }

    private func durations(_ f: Substring, _ t: Substring, _ s: Substring, line: Int) throws(ConformanceScriptError) -> (Int64, Int64, Int64) {
        guard let from = ConformanceLiterals.duration(f) else {
            throw ConformanceScriptError(line: line, message: "invalid start timestamp definition \"\(f)\"")
        }
        guard let to = ConformanceLiterals.duration(t) else {
            throw ConformanceScriptError(line: line, message: "invalid end timestamp definition \"\(t)\"")
        }
        guard to >= from else {
            throw ConformanceScriptError(line: line, message: "end timestamp (\(t)) is before start timestamp (\(f))")
        }
        guard let step = ConformanceLiterals.duration(s) else {
            throw ConformanceScriptError(line: line, message: "invalid step definition \"\(s)\"")
        }
        return (from, to, step)
    }

    private func parseExpect(_ def: Substring, line: Int) throws(ConformanceScriptError) -> ConformanceExpect {
        guard let m = try? patExpect.wholeMatch(in: def), let modeText = m.output[1].substring,
              let kind = ConformanceExpectKind(rawValue: String(modeText))
        else {
            throw ConformanceScriptError(line: line, message: "invalid expect statement, must match `expect <type> <match_type>: <string>`")
        }
        guard let matchType = m.output[2].substring, let text = m.output[3].substring else {
            return ConformanceExpect(kind: kind, matcher: .any)
        }
        let value = String(Self.trim(text))
        if matchType == "msg" { return ConformanceExpect(kind: kind, matcher: .exact(value)) }
        guard (try? Regex(value)) != nil else {
            throw ConformanceScriptError(line: line, message: "invalid regex \(value) for \(kind.rawValue)")
        }
        return ConformanceExpect(kind: kind, matcher: .regex(value))
    }

    private func validate(_ eval: ConformanceEval, line: Int) throws(ConformanceScriptError) {
        let has = { (k: ConformanceExpectKind) in !eval.expects(k).isEmpty }
        if has(.info) && has(.noInfo) {
            throw ConformanceScriptError(line: line, message: "invalid expect lines, info and no_info cannot be used together")
        }
        if has(.warn) && has(.noWarn) {
            throw ConformanceScriptError(line: line, message: "invalid expect lines, warn and no_warn cannot be used together")
        }
        if eval.expects(.fail).count > 1 {
            throw ConformanceScriptError(line: line, message: "invalid expect lines, multiple expect fail lines are not allowed")
        }
    }
}
