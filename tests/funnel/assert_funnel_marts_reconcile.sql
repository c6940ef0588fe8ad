-- The additive funnel counts of each reporting day agree between the daily marts and with
-- the sessions fact. mart_bot_daily_kpis is the reference; each other side must equal it:
-- * mart_model_daily_kpis: the same user-day rows (int_user_bot_days__funnel) grouped by
--   model instead of bot and model, so every day's totals are equal;
-- * mart_business_line_daily_kpis inner-joins the bot catalogue, so it would leave out the
--   events of a bot_id missing from stg_chat_platform__bots (the chat-events loader rejects
--   them as unknown_bot, but raw rows can come from elsewhere): it is compared with the
--   bot mart over the catalogued bots only;
-- * mart_tag_daily_kpis counts a bot once under each of its tags: it equals the bot mart
--   with each bot's counts multiplied by its number of tags in dim_bot_tags (a bot without
--   tags drops out);
-- * fct_chat_sessions has one row per session: its row count, chat starts, user turns and
--   depth buckets per day are the bot mart's session counts (it has no exposures or
--   clicks: those compare as 0 with 0).
-- Distinct-user counts are not additive and are not compared. A row here names the side
-- that disagrees, the day and each count's difference (that side minus the bot mart).
{%- set counts = ['exposures', 'clicks', 'sessions', 'chat_starts', 'user_turns']
    + (depth_buckets() | map(attribute='column') | list) %}
{%- set session_counts = ['sessions', 'chat_starts', 'user_turns']
    + (depth_buckets() | map(attribute='column') | list) %}

with bot_days as (

    select
        report_date,
        bot_id,
        {%- for count in counts %}
            {{ cast_bigint('sum(' ~ count ~ ')') }} as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('mart_bot_daily_kpis') }}
    group by
        report_date,
        bot_id

),

catalogued_bots as (

    select bot_id
    from {{ ref('stg_chat_platform__bots') }}
    where is_current = 1

),

bot_tag_counts as (

    select
        bot_id,
        count(*) as tags
    from {{ ref('dim_bot_tags') }}
    group by bot_id

),

session_days as (

    select
        report_date,
        0 as exposures,
        0 as clicks,
        count(*) as sessions,
        {{ cast_bigint('sum(is_chat_start)') }} as chat_starts,
        {{ cast_bigint('sum(user_turns)') }} as user_turns,
        {%- for bucket in depth_buckets() %}
            {%- set in_bucket = "case when depth_bucket = '" ~ bucket.label ~ "' then 1 else 0 end" %}
            {{ cast_bigint('sum(' ~ in_bucket ~ ')') }} as {{ bucket.column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('fct_chat_sessions') }}
    group by report_date

),

-- Each side's daily totals as they are, and the bot mart's negated: a day sums to 0 on
-- every count when the two agree (also when a day is missing from one side).
signed as (

    select
        'mart_model_daily_kpis' as compared_mart,
        report_date,
        {%- for count in counts %}
            {{ count }} as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('mart_model_daily_kpis') }}

    union all

    select
        'mart_model_daily_kpis' as compared_mart,
        report_date,
        {%- for count in counts %}
            0 - {{ count }} as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from bot_days

    union all

    select
        'mart_business_line_daily_kpis' as compared_mart,
        report_date,
        {%- for count in counts %}
            {{ count }} as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('mart_business_line_daily_kpis') }}

    union all

    select
        'mart_business_line_daily_kpis' as compared_mart,
        b.report_date,
        {%- for count in counts %}
            0 - b.{{ count }} as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from bot_days as b
    inner join catalogued_bots as c
        on b.bot_id = c.bot_id

    union all

    select
        'mart_tag_daily_kpis' as compared_mart,
        report_date,
        {%- for count in counts %}
            {{ count }} as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('mart_tag_daily_kpis') }}

    union all

    select
        'mart_tag_daily_kpis' as compared_mart,
        b.report_date,
        {%- for count in counts %}
            0 - b.{{ count }} * t.tags as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from bot_days as b
    inner join bot_tag_counts as t
        on b.bot_id = t.bot_id

    union all

    select
        'fct_chat_sessions' as compared_mart,
        report_date,
        {%- for count in counts %}
            {{ count }} as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from session_days

    union all

    select
        'fct_chat_sessions' as compared_mart,
        report_date,
        {%- for count in counts %}
            {%- if count in session_counts %}
                0 - {{ count }} as {{ count }}{% if not loop.last %},{% endif %}
            {%- else %}
                0 as {{ count }}{% if not loop.last %},{% endif %}
            {%- endif %}
        {%- endfor %}
    from bot_days

)

select
    compared_mart,
    report_date,
    {%- for count in counts %}
        sum({{ count }}) as {{ count }}_difference{% if not loop.last %},{% endif %}
    {%- endfor %}
from signed
group by
    compared_mart,
    report_date
having
    {%- for count in counts %}
        {%- if not loop.first %}
            or
        {%- endif %}
        sum({{ count }}) <> 0
    {%- endfor %}
