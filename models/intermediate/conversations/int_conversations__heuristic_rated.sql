-- One row per message with the article's estimate_quality as SQL over editable seeds:
-- the first rule of quality_heuristic_rules (in rule_order) whose condition holds gives
-- the rating. Lengths are characters, not the article's split() word counts, which
-- count a whole Chinese sentence as one word.
-- Incremental by reporting day, like int_conversations__categorized.
{{ config(**chatbot_analytics.incremental_config(
    unique_key='report_date',
    watermark_from_self=true,
)) }}
{%- set plan = chatbot_analytics.message_rebuild_plan() %}
{%- set rebuild_dates = plan.dates %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates, newest_load=plan.newest_load) }}

with messages as (

    select
        message_id,
        report_date,
        loaded_at,
        lower(model_response) as answer_lower,
        {{ char_length('user_input') }} as input_chars,
        {{ char_length('model_response') }} as answer_chars,
        -- stripped like the article's response.strip(): newlines and every Unicode space,
        -- the same on every engine (trim() strips a different set on each)
        {{ char_length(trim_whitespace('model_response')) }} as trimmed_answer_chars
    from {{ ref('int_conversation_logs__deduplicated') }}
    where {{ chatbot_analytics.on_rebuilt_days(rebuild_dates, time_column='logged_at') }}

),

phrases as (

    select distinct lower(phrase) as phrase
    from {{ ref('refusal_phrases') }}
    where phrase is not null

),

-- lower() once per answer and per phrase, not once per (answer, phrase) pair
refusal_hits as (

    select
        m.message_id,
        count(*) as refusal_phrases_found
    from messages as m
    inner join phrases as p
        on instr(m.answer_lower, p.phrase) > 0
    group by m.message_id

),

flagged as (

    select
        m.message_id,
        m.report_date,
        m.loaded_at,
        m.input_chars,
        m.answer_chars,
        m.trimmed_answer_chars,
        case when r.message_id is not null then 1 else 0 end as has_refusal_phrase
    from messages as m
    left join refusal_hits as r
        on m.message_id = r.message_id

),

rules as (

    select
        rule_order,
        rule_id,
        rule_condition,
        threshold,
        rating
    from {{ ref('quality_heuristic_rules') }}

),

-- Every rule that holds for the message; the ratio rules compare characters without
-- dividing, so an empty question behaves as in the article (0 * ratio).
matched_rules as (

    select
        f.message_id,
        r.rule_id,
        r.rating,
        row_number() over (
            partition by f.message_id
            order by r.rule_order
        ) as match_rank
    from flagged as f
    cross join rules as r
    where
        (r.rule_condition = 'answer_chars_below' and f.trimmed_answer_chars < r.threshold)
        or (r.rule_condition = 'contains_refusal_phrase' and f.has_refusal_phrase = 1)
        or (r.rule_condition = 'answer_to_input_ratio_below' and f.answer_chars < f.input_chars * r.threshold)
        or (r.rule_condition = 'answer_to_input_ratio_above' and f.answer_chars > f.input_chars * r.threshold)
        or r.rule_condition = 'always'

)

select
    f.message_id,
    f.input_chars,
    f.answer_chars,
    f.trimmed_answer_chars,
    f.has_refusal_phrase,
    m.rating as heuristic_rating,
    m.rule_id as heuristic_rule_id,
    f.loaded_at,
    f.report_date
from flagged as f
left join matched_rules as m
    on
        f.message_id = m.message_id
        and m.match_rank = 1
