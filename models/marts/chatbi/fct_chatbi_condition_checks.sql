-- One row per run × sample × expected condition: why each condition did or did not match
-- (for reading a sample's condition_match_accuracy).
select
    run_id,
    dataset_id,
    sample_id,
    condition_index,
    condition_type,
    condition_text,
    filter_operator,
    filter_value,
    expected_start,
    expected_end,
    stated_start,
    stated_end,
    is_matched,
    mismatch_reason
from {{ ref('int_chatbi_condition_checks__scored') }}
