/// A Python `set` of non-negative integers, laid out as CPython lays it out: an open-addressing
/// table (8 slots to start, grown fourfold once three fifths are filled), nine linear probes,
/// then perturbed jumps, with whole-set merges done as CPython's `set_merge` does them.
///
/// scikit-learn keeps the features an interaction constraint allows in such sets and scans them
/// in the order the set iterates (its table order, not sorted), so when two features' splits
/// gain exactly as much, the one first in that order wins. Iterating ``elements`` gives that
/// order. A key's hash is the key itself, as for Python's small integers.
struct PythonIntSet: Sendable, Hashable {
    private static let empty = -1, dummy = -2, linearProbes = 9, perturbShift = 5
    /// Keys, ``empty`` or ``dummy`` per slot.
    private(set) var table = [Int](repeating: PythonIntSet.empty, count: 8)
    private var fill = 0
    private(set) var used = 0
    private var mask: Int { table.count - 1 }

    init() {}

    /// `set(values)`: each value added in order.
    init<Values: Sequence>(_ values: Values) where Values.Element == Int {
        for value in values { add(value) }
    }

    /// The keys in iteration order.
    var elements: [Int] { table.filter { $0 >= 0 } }

    func contains(_ key: Int) -> Bool {
        var i = key & mask, perturb = key
        while true {
            let probes = i + Self.linearProbes <= mask ? Self.linearProbes : 0
            for j in i...(i + probes) {
                if table[j] == Self.empty { return false }
                if table[j] == key { return true }
            }
            perturb >>= Self.perturbShift
            i = (i &* 5 &+ 1 &+ perturb) & mask
        }
    }

    /// `set_add_entry`: the first free slot of the probe sequence (a dummy seen on the way
    /// taken first), then a resize once three fifths of the slots are filled.
    mutating func add(_ key: Int) {
        precondition(key >= 0, "PythonIntSet holds non-negative keys")
        var i = key & mask, perturb = key
        var freeSlot: Int?
        while true {
            let probes = i + Self.linearProbes <= mask ? Self.linearProbes : 0
            for j in i...(i + probes) {
                let slot = table[j]
                if slot == Self.empty {
                    if let freeSlot {
                        table[freeSlot] = key
                        used += 1
                        return
                    }
                    table[j] = key
                    fill += 1
                    used += 1
                    if fill * 5 >= mask * 3 { resize(used > 50_000 ? used * 2 : used * 4) }
                    return
                }
                if slot == key { return }
                if slot == Self.dummy && freeSlot == nil { freeSlot = j }
            }
            perturb >>= Self.perturbShift
            i = (i &* 5 &+ 1 &+ perturb) & mask
        }
    }

    /// `set_discard_entry`: the key's slot becomes a dummy.
    mutating func discard(_ key: Int) {
        var i = key & mask, perturb = key
        while true {
            let probes = i + Self.linearProbes <= mask ? Self.linearProbes : 0
            for j in i...(i + probes) {
                if table[j] == Self.empty { return }
                if table[j] == key {
                    table[j] = Self.dummy
                    used -= 1
                    return
                }
            }
            perturb >>= Self.perturbShift
            i = (i &* 5 &+ 1 &+ perturb) & mask
        }
    }

    /// `set_insert_clean`: into a table without dummies or the key.
    private static func insertClean(_ table: inout [Int], _ key: Int) {
        let mask = table.count - 1
        var i = key & mask, perturb = key
        while true {
            if table[i] == empty { table[i] = key; return }
            if i + linearProbes <= mask {
                for j in (i + 1)...(i + linearProbes) where table[j] == empty {
                    table[j] = key
                    return
                }
            }
            perturb >>= perturbShift
            i = (i &* 5 &+ 1 &+ perturb) & mask
        }
    }

    /// `set_table_resize`: the smallest power of two above `minimumUsed` (at least 8), keys
    /// re-inserted in old table order.
    private mutating func resize(_ minimumUsed: Int) {
        var size = 8
        while size <= minimumUsed { size <<= 1 }
        var fresh = [Int](repeating: Self.empty, count: size)
        for key in table where key >= 0 { Self.insertClean(&fresh, key) }
        table = fresh
        fill = used
    }

    /// `set.update(other)` for a set (CPython's `set_merge`): one resize first when needed; an
    /// empty table of the same size takes the other's layout as it is, an empty one of another
    /// size takes its keys in its table order; otherwise keys are added one by one.
    mutating func merge(_ other: PythonIntSet) {
        guard other.used > 0 else { return }
        if (fill + other.used) * 5 >= mask * 3 { resize((used + other.used) * 2) }
        if fill == 0 && mask == other.mask && other.fill == other.used {
            table = other.table
            fill = other.fill
            used = other.used
            return
        }
        if fill == 0 {
            for key in other.table where key >= 0 { Self.insertClean(&table, key) }
            fill = other.used
            used = other.used
            return
        }
        for key in other.table where key >= 0 { add(key) }
    }

    /// `self - other` (CPython's `set_difference` for a set argument).
    func subtracting(_ other: PythonIntSet) -> PythonIntSet {
        if used == 0 { var copy = PythonIntSet(); copy.merge(self); return copy }
        if (used >> 2) > other.used {
            // Copy, then discard the other's keys; resize when over a quarter are dummies.
            var result = PythonIntSet()
            result.merge(self)
            for key in other.table where key >= 0 { result.discard(key) }
            if result.fill - result.used > result.mask / 4 { result.resize(result.used > 50_000 ? result.used * 2 : result.used * 4) }
            return result
        }
        var result = PythonIntSet()
        for key in table where key >= 0 && !other.contains(key) { result.add(key) }
        return result
    }
}
