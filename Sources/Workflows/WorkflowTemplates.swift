/// Commented workflow templates (`dstoolbox init NAME -o FILE`). Each runs as written on the
/// data `dstoolbox data generate` makes (the first comment says how).
public enum WorkflowTemplates {
    /// The template names.
    public static let names = ["classification", "regression", "seismic", "retrieval", "retrain"]

    /// The template's text (YAML with comments).
    public static func text(_ name: String) -> String {
        switch name {
        case "regression": regression
        case "seismic": seismic
        case "retrieval": retrieval
        case "retrain": retrain
        default: classification
        }
    }

    static let header = """
        # Sections run in this order; every section but data is optional:
        #   data, validate, pipeline, tune, evaluate, explain, register, monitor, report.
        # Relative paths are read relative to this file's folder.
        # Check without running:  dstoolbox validate THIS_FILE
        # Run:                    dstoolbox run THIS_FILE [--store DIR|postgresql://...] [--resume] [--json]

        """

    static let classification = """
        # DS Toolbox workflow: a binary classifier from a CSV, tuned, evaluated, explained,
        # registered and ready to serve (`dstoolbox serve models:/classifier@champion`).
        # Sample data: dstoolbox data generate --kind churn --rows 2000 --seed 1 -o data/churn.csv
        \(header)
        name: classification
        store: ./dstoolbox-store            # a folder, postgresql://USER:PASS@HOST/DB or http://HOST:PORT

        data:
          train: data/churn.csv
          target: churned
          drop: [customer_id]               # identifiers: checked by the contract, not learned from
          split: {test_fraction: 0.2, seed: 1, stratify: true}   # or test: data/test.csv

        validate:                           # the data contract, checked on train and holdout
          min_rows: 100
          columns:
            tenure_months: {type: numeric, min: 0, max: 600, max_missing: 0.1}
            monthly_charges: {type: numeric, min: 0, max_missing: 0.1}
            plan: {type: categorical, values: [basic, standard, premium]}
            churned: {values: [0, 1], max_missing: 0}
          unique: [customer_id]

        pipeline:                           # steps by registered name; table steps (tfidf_vectorizer) first
          steps:
            - name: text
              type: tfidf_vectorizer
              parameters: {column: support_note, max_features: 50}
            - name: model
              type: hist_gradient_boosting_classifier
              parameters: {max_iter: 100}

        tune:                               # a TuneKit study; names are STEP__PARAMETER
          space:
            model__learning_rate: {type: float, low: 0.02, high: 0.3, log: true}
            model__max_leaf_nodes: {type: int, low: 8, high: 48}
          trials: 12
          sampler: tpe                      # tpe, random, cmaes or grid
          seed: 1
          pruner: median                    # median, hyperband, successive_halving or none
          scoring: roc_auc
          cv: 3

        evaluate:
          cv: 5
          scoring: [roc_auc, accuracy]
          fairness: {group: region}         # demographic parity and equalized odds gaps by region
          costs: {false_positive: 50, false_negative: 500}   # picks the cheapest threshold

        explain: {shap: true, sample: 500}

        register:
          model: classifier
          alias: champion
          promote_if: {metric: roc_auc, higher_is_better: true, margin: 0.0}

        monitor: {reference_profile: true}  # the drift reference `dstoolbox serve` watches live inputs with

        report: report.html

        """

    static let regression = """
        # DS Toolbox workflow: a regression model from a CSV.
        # Sample data: dstoolbox data generate --kind regression --rows 2000 --features 6 --seed 1 -o data/regression.csv
        \(header)
        name: regression
        store: ./dstoolbox-store

        data:
          train: data/regression.csv
          target: target
          split: {test_fraction: 0.2, seed: 1}

        validate:
          min_rows: 100
          columns:
            target: {type: numeric, max_missing: 0}

        pipeline:
          steps:
            - name: model
              type: hist_gradient_boosting_regressor
              parameters: {max_iter: 200}

        tune:
          space:
            model__learning_rate: {type: float, low: 0.02, high: 0.3, log: true}
            model__l2_regularization: {type: float, low: 0.0, high: 1.0}
          trials: 10
          seed: 1
          scoring: r2

        evaluate:
          cv: 5
          scoring: [r2, neg_mean_absolute_error]

        explain: {shap: true, sample: 300}

        register:
          model: regressor
          alias: champion
          promote_if: {metric: r2, higher_is_better: true, margin: 0.0}

        monitor: {reference_profile: true}

        report: report.html

        """

    static let seismic = """
        # DS Toolbox workflow: seismic facies from a SEG-Y survey: 42 trace features and a PCA
        # embedding of the raw traces per trace, boosting, tuning, the registry and a drift reference.
        # Sample data: dstoolbox data generate --kind survey --rows 1200 --seed 1 -o data/survey.sgy
        #   (writes data/survey.sgy and its labels, data/survey_labels.csv: trace,facies)
        \(header)
        name: seismic
        store: ./dstoolbox-store

        data:
          train: data/survey.sgy
          features: traces                  # one row per trace: its 42 features
          embedding: pca:8                  # plus 8 PCA components of the raw samples (pca0...pca7)
          labels: data/survey_labels.csv    # keyed by trace index (a trace column)
          target: facies
          split: {test_fraction: 0.25, seed: 1, stratify: true}

        validate:
          min_rows: 200
          columns:
            rms: {type: numeric, min: 0, max_missing: 0}
            dominant_frequency: {type: numeric, min: 0, max: 125, max_missing: 0}   # Nyquist at 4 ms

        pipeline:
          steps:
            - name: model
              type: hist_gradient_boosting_classifier
              parameters: {max_iter: 80}

        tune:
          space:
            model__learning_rate: {type: float, low: 0.03, high: 0.3, log: true}
            model__max_leaf_nodes: {type: int, low: 8, high: 32}
          trials: 6
          seed: 1
          scoring: accuracy
          cv: 3

        evaluate:
          cv: 3
          scoring: [accuracy, f1_macro]

        explain: {shap: true, sample: 300}

        register:
          model: facies
          alias: champion
          promote_if: {metric: accuracy, higher_is_better: true, margin: 0.0}

        monitor: {reference_profile: true}

        report: report.html

        """

    static let retrieval = """
        # DS Toolbox workflow: routing documents to a topic from their text (TF-IDF + logistic
        # regression). For top-k search over chunks, see `dstoolbox vector` and Examples/SemanticSearch.
        # Sample data: dstoolbox data generate --kind documents --rows 600 --seed 1 -o data/documents.csv
        \(header)
        name: retrieval
        store: ./dstoolbox-store

        data:
          train: data/documents.csv
          target: topic
          drop: [doc_id]
          split: {test_fraction: 0.25, seed: 1, stratify: true}

        validate:
          min_rows: 50
          columns:
            text: {type: text, max_missing: 0}
          unique: [doc_id]

        pipeline:
          steps:
            - name: tfidf
              type: tfidf_vectorizer
              parameters: {column: text, ngram_range: [1, 2], min_df: 2, sublinear_tf: true}
            - name: model
              type: logistic_regression
              parameters: {C: 10}

        evaluate:
          cv: 3
          scoring: [accuracy, f1_macro]

        register:
          model: router
          alias: champion
          promote_if: {metric: f1_macro, higher_is_better: true, margin: 0.0}

        report: report.html

        """

    static let retrain = """
        # DS Toolbox workflow: retrain on drift. Compares the new data with the reference profile
        # kept with the alias holder (its training data), retrains only when the data drifted (or
        # always with `dstoolbox run THIS_FILE --force`), evaluates on the new holdout, and moves
        # the alias only when the new version beats the holder on that same holdout. Every
        # decision lands in the registry's audit log (`dstoolbox models history churn`).
        # Schedule it as one command, e.g. cron:  0 6 * * 1  cd /srv/models && dstoolbox run retrain.yaml --json
        # Sample data: dstoolbox data generate --kind churn --rows 2000 --seed 2 --shift 1.0 -o data/latest.csv
        \(header)
        name: retrain
        store: ./dstoolbox-store

        data:
          train: data/latest.csv            # this period's labelled data
          target: churned
          drop: [customer_id]
          split: {test_fraction: 0.25, seed: 1, stratify: true}

        validate:
          min_rows: 100
          columns:
            churned: {values: [0, 1], max_missing: 0}
          unique: [customer_id]

        pipeline:
          steps:
            - name: text
              type: tfidf_vectorizer
              parameters: {column: support_note, max_features: 50}
            - name: model
              type: hist_gradient_boosting_classifier
              parameters: {max_iter: 100}

        evaluate:
          cv: 0                             # the holdout decides; no cross-validation
          scoring: [roc_auc, accuracy]

        register:
          model: churn
          alias: champion
          promote_if: {metric: roc_auc, higher_is_better: true, margin: 0.0}

        monitor:
          reference_profile: true           # the new version keeps its own reference
          retrain: drift                    # drift: train only on drift; always: train every time
          drift_share: 0.3                  # the share of drifted columns that counts as drift

        report: retrain-report.html

        """
}
