{#- The chat-funnel KPIs, defined once. The daily marts (bot, model, tag, business
    line) differ only in what they group by; they all aggregate the user-level rows of
    int_user_bot_days__funnel with funnel_aggregates() and derive the ratios with
    funnel_ratios(), so "chat start rate" means the same everywhere. -#}

{#- Session depth buckets (user turns): label, lower bound, upper bound (none = open). -#}
{% macro depth_buckets() %}
{{ return([
    {'label': '1', 'column': 'sessions_depth_1', 'min': 1, 'max': 1},
    {'label': '2-3', 'column': 'sessions_depth_2_3', 'min': 2, 'max': 3},
    {'label': '4-6', 'column': 'sessions_depth_4_6', 'min': 4, 'max': 6},
    {'label': '7-10', 'column': 'sessions_depth_7_10', 'min': 7, 'max': 10},
    {'label': '11+', 'column': 'sessions_depth_11_plus', 'min': 11, 'max': none},
]) }}
{% endmacro %}

{#- The depth bucket label of a user-turn count; NULL for sessions without user turns. -#}
{% macro depth_bucket(user_turns) -%}
(case
{%- for bucket in chatbot_analytics.depth_buckets() %}
    when {{ user_turns }} >= {{ bucket.min }}{% if bucket.max is not none %} and {{ user_turns }} <= {{ bucket.max }}{% endif %} then '{{ bucket.label }}'
{%- endfor %}
end)
{%- endmacro %}

{#- Aggregates over rows of int_user_bot_days__funnel (one row per day, bot, model, user).
    Distinct users are counted at whatever level the caller groups by. -#}
{% macro funnel_aggregates(alias='f', one_row_per_user=false) -%}
    {#- one_row_per_user: the caller groups by every column of the funnel's grain but
        user_id (day, bot, model), so each user is one row of a group and counting rows
        counts distinct users, without the hash set per group a distinct count needs. -#}
    {#- bigint on every engine (DuckDB would sum to a 128-bit HUGEINT, MySQL to a decimal) #}
    {{ chatbot_analytics.cast_bigint('sum(' ~ alias ~ '.exposures)') }} as exposures,
    {{ chatbot_analytics.cast_bigint('sum(' ~ alias ~ '.clicks)') }} as clicks,
    {{ chatbot_analytics.cast_bigint('sum(' ~ alias ~ '.sessions)') }} as sessions,
    {{ chatbot_analytics.cast_bigint('sum(' ~ alias ~ '.chat_starts)') }} as chat_starts,
    {{ chatbot_analytics.cast_bigint('sum(' ~ alias ~ '.user_turns)') }} as user_turns,
{%- for bucket in chatbot_analytics.depth_buckets() %}
    {{ chatbot_analytics.cast_bigint('sum(' ~ alias ~ '.' ~ bucket.column ~ ')') }} as {{ bucket.column }},
{%- endfor %}
{%- set user_counts = [
    ('exposed_users', alias ~ '.exposures > 0'),
    ('exposed_users_who_clicked', alias ~ '.exposures > 0 and ' ~ alias ~ '.clicks > 0'),
    ('clicking_users', alias ~ '.clicks > 0'),
    ('clicking_users_who_started', alias ~ '.clicks > 0 and ' ~ alias ~ '.chat_starts > 0'),
    ('active_users', alias ~ '.user_turns > 0'),
] %}
{%- for name, condition in user_counts %}
    {% if one_row_per_user -%}
    count(case when {{ condition }} then 1 end) as {{ name }}
    {%- else -%}
    count(distinct case when {{ condition }} then {{ alias }}.user_id end) as {{ name }}
    {%- endif %}{{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- Ratios over the columns funnel_aggregates() produced (a CTE aliased `alias`). -#}
{% macro funnel_ratios(alias='a') -%}
    {{ chatbot_analytics.safe_divide(alias ~ '.clicks', alias ~ '.exposures') }} as ctr,
    {{ chatbot_analytics.safe_divide(alias ~ '.chat_starts', alias ~ '.clicks') }} as chat_start_rate,
    {{ chatbot_analytics.safe_divide(alias ~ '.user_turns', alias ~ '.chat_starts') }} as avg_turns_per_session,
    {{ chatbot_analytics.safe_divide(alias ~ '.user_turns', alias ~ '.active_users') }} as avg_turns_per_user,
    {{ chatbot_analytics.safe_divide(alias ~ '.exposed_users_who_clicked', alias ~ '.exposed_users') }} as uv_ctr,
    {{ chatbot_analytics.wilson_lower(alias ~ '.exposed_users_who_clicked', alias ~ '.exposed_users') }} as uv_ctr_lower,
    {{ chatbot_analytics.wilson_upper(alias ~ '.exposed_users_who_clicked', alias ~ '.exposed_users') }} as uv_ctr_upper,
    {{ chatbot_analytics.safe_divide(alias ~ '.clicking_users_who_started', alias ~ '.clicking_users') }} as uv_chat_start_rate,
    {{ chatbot_analytics.wilson_lower(alias ~ '.clicking_users_who_started', alias ~ '.clicking_users') }} as uv_chat_start_rate_lower,
    {{ chatbot_analytics.wilson_upper(alias ~ '.clicking_users_who_started', alias ~ '.clicking_users') }} as uv_chat_start_rate_upper
{%- endmacro %}

{#- The ordered list of funnel columns every daily KPI mart ends with. -#}
{% macro funnel_columns(alias='a') -%}
    {{ alias }}.exposures,
    {{ alias }}.clicks,
    {{ alias }}.sessions,
    {{ alias }}.chat_starts,
    {{ alias }}.user_turns,
    {{ alias }}.exposed_users,
    {{ alias }}.exposed_users_who_clicked,
    {{ alias }}.clicking_users,
    {{ alias }}.clicking_users_who_started,
    {{ alias }}.active_users,
{%- for bucket in chatbot_analytics.depth_buckets() %}
    {{ alias }}.{{ bucket.column }},
{%- endfor %}
    {{ chatbot_analytics.funnel_ratios(alias) }}
{%- endmacro %}

{#- SELECT 1 AS n UNION ALL ... : a small integer spine for splitting lists portably. -#}
{% macro integer_spine(upper_bound, column_name='n') -%}
{%- for i in range(1, upper_bound + 1) %}
select {{ i }} as {{ column_name }}{% if not loop.last %} union all{% endif %}
{%- endfor %}
{%- endmacro %}
