-- One row per interest tag × proportion metric × model pair (model_a < model_b) over
-- the comparison window (vars comparison_start / comparison_end, inclusive; default the
-- last 7 complete reporting days). Users are counted distinct over the whole window
-- within the tag and model: "is model B's chat start rate in 学习辅导 really better?"
{%- set window_end = date_var('comparison_end', add_days(current_report_date(), -1)) %}
{%- set window_start = date_var('comparison_start', add_days(window_end, -6)) %}
{%- set min_users = number_var('comparison_min_users') %}
{#- both given (date_var validated them: YYYY-MM-DD compares as text): a reversed window
    would build an empty mart without a word -#}
{%- set unset = ('', 'none', 'None', 'null') %}
{%- set given = [var('comparison_start', none), var('comparison_end', none)] | map('string') | map('trim') | list %}
{%- if given[0] not in unset and given[1] not in unset and given[0] > given[1] %}
    {{ exceptions.raise_compiler_error(
        "vars comparison_start and comparison_end: the window starts after it ends ("
        ~ given[0] ~ " > " ~ given[1] ~ ")"
    ) }}
{%- endif %}

with window_user_bots as (

    -- What each user did on each bot of the tag over the window: a click counts for
    -- uv_ctr only on the bot the user was exposed to, as in the daily marts (there the
    -- same day, bot and model; here the window relaxes only the day).
    select
        tags.tag,
        f.model_name,
        f.user_id,
        f.bot_id,
        max(case when f.exposures > 0 then 1 else 0 end) as was_exposed,
        max(case when f.clicks > 0 then 1 else 0 end) as clicked,
        max(case when f.chat_starts > 0 then 1 else 0 end) as started_chat
    from {{ ref('int_user_bot_days__funnel') }} as f
    inner join {{ ref('int_bot_tags__split') }} as tags
        on f.bot_id = tags.bot_id
    where
        f.report_date >= {{ window_start }}
        and f.report_date <= {{ window_end }}
    group by
        tags.tag,
        f.model_name,
        f.user_id,
        f.bot_id

),

window_users as (

    select
        tag,
        model_name,
        user_id,
        max(was_exposed) as was_exposed,
        max(was_exposed * clicked) as clicked_when_exposed,
        max(clicked) as clicked,
        max(clicked * started_chat) as started_when_clicked
    from window_user_bots
    group by
        tag,
        model_name,
        user_id

),

arms as (

    -- uv_ctr: exposed users who clicked / exposed users
    select
        tag,
        model_name,
        'uv_ctr' as metric,
        {{ cast_bigint("sum(clicked_when_exposed)") }} as successes,
        {{ cast_bigint("sum(was_exposed)") }} as trials
    from window_users
    group by
        tag,
        model_name

    union all

    -- uv_chat_start_rate: clicking users who started a chat / clicking users
    select
        tag,
        model_name,
        'uv_chat_start_rate' as metric,
        {{ cast_bigint("sum(started_when_clicked)") }} as successes,
        {{ cast_bigint("sum(clicked)") }} as trials
    from window_users
    group by
        tag,
        model_name

),

pairs as (

    select
        a.tag,
        a.metric,
        a.model_name as model_a,
        b.model_name as model_b,
        a.successes as successes_a,
        a.trials as trials_a,
        b.successes as successes_b,
        b.trials as trials_b
    from arms as a
    inner join arms as b
        on
            a.tag = b.tag
            and a.metric = b.metric
            and a.model_name < b.model_name

),

tested as (

    select
        pairs.*,
        case
            when trials_a >= {{ min_users }} and trials_b >= {{ min_users }}
                then {{ two_proportion_z('successes_a', 'trials_a', 'successes_b', 'trials_b') }}
        end as z_statistic
    from pairs

)

select
    {{ window_start }} as window_start,
    {{ window_end }} as window_end,
    tag,
    metric,
    model_a,
    model_b,
    successes_a,
    trials_a,
    {{ safe_divide('successes_a', 'trials_a') }} as rate_a,
    {{ wilson_lower('successes_a', 'trials_a') }} as rate_a_lower,
    {{ wilson_upper('successes_a', 'trials_a') }} as rate_a_upper,
    successes_b,
    trials_b,
    {{ safe_divide('successes_b', 'trials_b') }} as rate_b,
    {{ wilson_lower('successes_b', 'trials_b') }} as rate_b_lower,
    {{ wilson_upper('successes_b', 'trials_b') }} as rate_b_upper,
    {{ safe_divide('successes_b', 'trials_b') }} - {{ safe_divide('successes_a', 'trials_a') }} as difference,
    {{ difference_lower('successes_a', 'trials_a', 'successes_b', 'trials_b') }} as difference_lower,
    {{ difference_upper('successes_a', 'trials_a', 'successes_b', 'trials_b') }} as difference_upper,
    z_statistic,
    {{ two_sided_p_value('z_statistic') }} as p_value,
    -- at the level of the intervals (var confidence_z; the default 1.96 is p < 0.05)
    case when abs(z_statistic) > {{ number_var('confidence_z') }} then 1 else 0 end as is_significant
from tested
