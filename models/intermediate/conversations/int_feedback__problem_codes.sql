-- One row per latest dislike × problem code it cites, codes mapped to the seed
-- feedback_problem_codes; an unknown code, or a dislike without any code, is 'other'
-- (once per dislike however many unknown codes it sent).
{%- set max_codes = 20 %}
with dislikes as (

    select
        event_hash,
        user_key,
        rn,
        item_type,
        report_date,
        bot_id,
        model_name,
        problem_codes,
        problem_code_count
    from {{ ref('int_feedback__latest_reactions') }}
    where is_dislike = 1

),

-- 1 ... {{ max_codes }}: the loader rejects events with more codes than that.
positions as (

    {% for position in range(1, max_codes + 1) -%}
        select {{ position }} as code_position
        {% if not loop.last %}union all
        {% endif -%}
    {%- endfor %}

),

sent_codes as (

    select
        d.event_hash,
        {{ split_part('d.problem_codes', "'|'", 'p.code_position') }} as sent_code
    from dislikes as d
    inner join positions as p
        on d.problem_code_count >= p.code_position

),

known as (

    select problem_code from {{ ref('feedback_problem_codes') }}
    where problem_code <> 'other'

),

mapped as (

    select distinct
        s.event_hash,
        coalesce(k.problem_code, 'other') as problem_code
    from sent_codes as s
    left join known as k
        on s.sent_code = k.problem_code

),

-- Dislikes that sent no code at all.
uncoded as (

    select
        event_hash,
        'other' as problem_code
    from dislikes
    where problem_code_count = 0 or problem_code_count is null

),

all_codes as (

    select
        event_hash,
        problem_code
    from mapped
    union all
    select
        event_hash,
        problem_code
    from uncoded

)

select
    d.event_hash,
    d.user_key,
    d.rn,
    d.item_type,
    d.report_date,
    d.bot_id,
    d.model_name,
    c.problem_code,
    labels.category_zh,
    labels.label_zh,
    labels.category_en,
    labels.label_en
from all_codes as c
inner join dislikes as d
    on c.event_hash = d.event_hash
left join {{ ref('feedback_problem_codes') }} as labels
    on c.problem_code = labels.problem_code
