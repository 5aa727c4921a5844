/// Text made safe for HTML, the one escaper every kit's reports use (drift reports, run
/// comparisons, study reports).
package enum HTMLText {
    /// `text` safe inside HTML elements and quoted attributes: `& < > " '` as entities.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
