{#- Exact percentile with linear interpolation (numpy / pandas default), written with
    window functions so every engine returns the same value (no percentile_cont).

    The caller numbers the rows of each group in value order:
        row_number() over (partition by <group> order by <value>) as <rank_column>,
        count(*)     over (partition by <group>)                  as <count_column>
    and aggregates with this macro in a `group by <group>`. `percent` is an integer
    (50, 95): the position h = (n - 1) * percent / 100 is built from integers, so its
    floor and fraction are exact on every engine; the value is
    x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]) (0-based ranks). -#}
{% macro interpolated_percentile(value, rank_column, count_column, percent) -%}
{%- set pct = percent | int -%}
{%- set position = '((' ~ count_column ~ ' - 1) * ' ~ pct ~ ')' -%}
{%- set lower_rank = 'floor(' ~ chatbot_analytics.cast_double(position) ~ ' / 100) + 1' -%}
{%- set fraction = '(' ~ chatbot_analytics.cast_double(position) ~ ' - 100 * floor(' ~ chatbot_analytics.cast_double(position) ~ ' / 100)) / 100' -%}
(
    max(case when {{ rank_column }} = {{ lower_rank }} then {{ chatbot_analytics.cast_double(value) }} end)
    + max(case when {{ rank_column }} = {{ lower_rank }} then {{ fraction }} end)
    * (
        coalesce(max(case when {{ rank_column }} = {{ lower_rank }} + 1 then {{ chatbot_analytics.cast_double(value) }} end),
                 max(case when {{ rank_column }} = {{ lower_rank }} then {{ chatbot_analytics.cast_double(value) }} end))
        - max(case when {{ rank_column }} = {{ lower_rank }} then {{ chatbot_analytics.cast_double(value) }} end)
    )
)
{%- endmacro %}
