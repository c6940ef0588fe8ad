-- One row per run × sample × expected value: the predicted value it was compared with
-- and the verdict (for reading a sample's value_accuracy).
select
    run_id,
    dataset_id,
    sample_id,
    value_index,
    value_text,
    canonical_metric,
    metric_value_position,
    expected_number_text,
    value_decimals,
    expected_number,
    predicted_metric_position,
    predicted_value_text,
    predicted_number,
    expected_unit,
    predicted_unit,
    is_unit_converted,
    is_correct,
    mismatch_reason
from {{ ref('int_chatbi_value_checks__scored') }}
