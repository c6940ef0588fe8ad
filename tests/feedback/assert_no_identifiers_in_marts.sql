-- Privacy: no mart (models under models/marts/) may carry a raw user or device
-- identifier or a location — user ids only as the salted user_key. One row per
-- offending column. The refs below only order the test after this issue's marts; it
-- inspects every mart that exists when it runs.
-- depends_on: {{ ref('mart_answer_quality_daily') }}, {{ ref('mart_response_time_by_quality') }}
-- depends_on: {{ ref('mart_input_categories_daily') }}, {{ ref('mart_activity_by_hour') }}
-- depends_on: {{ ref('mart_top_questions') }}, {{ ref('mart_low_quality_answers_restricted') }}
-- depends_on: {{ ref('mart_feedback_daily') }}, {{ ref('mart_feedback_problem_codes') }}
-- depends_on: {{ ref('mart_feedback_expect_texts_restricted') }}, {{ ref('mart_feedback_other_events_daily') }}
-- depends_on: {{ ref('mart_alerts') }}
{%- set forbidden = ['user_id', 'imei', 'device_id', 'idfa', 'ip', 'mac', 'phone_md5', 'longitude', 'latitude'] %}
{%- set offenders = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() %}
        {%- if node.resource_type == 'model' and node.original_file_path.startswith('models/marts/') %}
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
