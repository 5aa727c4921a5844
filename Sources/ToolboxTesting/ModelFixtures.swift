/// Small model files of other libraries for tests that read them: two boosting rounds of
/// LightGBM on 4 columns (`Column_0`...`Column_3`), statistics lines trimmed (readers do not
/// need them).
public enum ModelFixtures {
    public static let lightGBMBinary = """
        tree
        version=v4
        num_class=1
        num_tree_per_iteration=1
        label_index=0
        max_feature_idx=3
        objective=binary sigmoid:1
        feature_names=Column_0 Column_1 Column_2 Column_3

        Tree=0
        num_leaves=3
        num_cat=0
        split_feature=0 1
        threshold=0.34967841907889274 0.39924350134731984
        decision_type=2 2
        left_child=1 -1
        right_child=-2 -3
        leaf_value=-0.037431902044438692 0.29883750442619272 0.23366391155110952
        shrinkage=1


        Tree=1
        num_leaves=3
        num_cat=0
        split_feature=0 1
        threshold=0.34967841907889274 0.39924350134731984
        decision_type=2 2
        left_child=1 -1
        right_child=-2 -3
        leaf_value=-0.1591036588117235 0.14536538151684725 0.084863996118157439
        shrinkage=0.1


        end of trees
        """

    public static let lightGBMRegression = """
        tree
        version=v4
        num_class=1
        num_tree_per_iteration=1
        label_index=0
        max_feature_idx=3
        objective=regression
        feature_names=Column_0 Column_1 Column_2 Column_3

        Tree=0
        num_leaves=3
        num_cat=0
        split_feature=0 0
        threshold=0.06146709046149057 -1.4412283763982143
        decision_type=2 2
        left_child=1 -1
        right_child=-2 -3
        leaf_value=-0.59222732780695275 0.038165458830274918 -0.25947282632291929
        shrinkage=1


        Tree=1
        num_leaves=3
        num_cat=0
        split_feature=0 0
        threshold=0.52701104866585846 -0.69799720983753366
        decision_type=2 2
        left_child=1 -1
        right_child=-2 -3
        leaf_value=-0.23235162934288384 0.22387678953067913 -0.030305365766916011
        shrinkage=0.1


        end of trees
        """
}
