-- Privacy: no mart (models under models/marts/) may carry a raw user or device
-- identifier or a location — user ids only as the salted user_key. One row per
-- offending column.
-- Every mart is a parent (the refs below), so the test runs only after all of them are
-- built: inspecting a mart that a concurrent thread is still rebuilding fails on
-- MySQL, where a table rebuild drops and renames. A mart added without a ref here is
-- itself reported (column_name 'not a parent of this test'), so the list cannot rot.
-- depends_on: {{ ref('dim_bot_tags') }}, {{ ref('dim_bots') }}
-- depends_on: {{ ref('dim_chatbi_runs') }}, {{ ref('fct_chat_sessions') }}
-- depends_on: {{ ref('fct_chatbi_condition_checks') }}, {{ ref('fct_chatbi_sample_errors') }}
-- depends_on: {{ ref('fct_chatbi_sample_results') }}, {{ ref('fct_chatbi_similarity_scores') }}
-- depends_on: {{ ref('fct_chatbi_value_checks') }}, {{ ref('mart_activity_by_hour') }}
-- depends_on: {{ ref('mart_alerts') }}, {{ ref('mart_answer_quality_daily') }}
-- depends_on: {{ ref('mart_bot_daily_kpis') }}, {{ ref('mart_business_line_daily_kpis') }}
-- depends_on: {{ ref('mart_chatbi_error_distribution') }}, {{ ref('mart_chatbi_model_summary') }}
-- depends_on: {{ ref('mart_chatbi_run_diff') }}, {{ ref('mart_chatbi_run_similarity') }}
-- depends_on: {{ ref('mart_chatbi_run_summary') }}, {{ ref('mart_feedback_daily') }}
-- depends_on: {{ ref('mart_feedback_expect_texts_restricted') }}, {{ ref('mart_feedback_other_events_daily') }}
-- depends_on: {{ ref('mart_feedback_problem_codes') }}, {{ ref('mart_input_categories_daily') }}
-- depends_on: {{ ref('mart_low_quality_answers_restricted') }}, {{ ref('mart_model_comparison') }}
-- depends_on: {{ ref('mart_model_daily_kpis') }}, {{ ref('mart_response_time_by_quality') }}
-- depends_on: {{ ref('mart_tag_daily_kpis') }}, {{ ref('mart_top_questions') }}
-- depends_on: {{ ref('mart_load_rejects_daily') }}, {{ ref('mart_loads_daily') }}
{%- set forbidden = ['user_id', 'imei', 'device_id', 'idfa', 'ip', 'mac', 'phone_md5', 'longitude', 'latitude'] %}
{%- set offenders = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() %}
        {%- if node.resource_type == 'model' and node.original_file_path.startswith('models/marts/') %}
            {%- if node.unique_id not in model.depends_on.nodes %}
                {%- do offenders.append((node.name, 'not a parent of this test')) %}
            {%- endif %}
            {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
            {%- if relation is not none %}
                {%- for column in adapter.get_columns_in_relation(relation) %}
                    {%- if column.name | lower in forbidden %}
                        {%- do offenders.append((node.name, column.name | lower)) %}
                    {%- endif %}
                {%- endfor %}
            {%- endif %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

{%- if offenders %}
{%- for model_name, column_name in offenders %}
select '{{ model_name }}' as model_name, '{{ column_name }}' as column_name
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- else %}
    select 'none' as model_name, 'none' as column_name
    from (select 1 as one) as nothing
    where 1 = 0
{%- endif %}
