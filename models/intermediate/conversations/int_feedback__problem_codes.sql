-- One row per latest dislike × problem code it cites, codes mapped to the seed
-- feedback_problem_codes; an unknown code, or a dislike without any code, is 'other'
-- (once per dislike however many unknown codes it sent).
-- The document sends code as a list ([2.3, 2.5]), but a client may send one text
-- holding several ("2.3,2.5"). The loader splits those; rows landed before it did hold
-- the text as one code, so the codes are split here too, on the loader's separators
-- ('|', commas and semicolons, ASCII or full-width, and the enumeration comma '、'):
-- each code in it counts (not 'other', none dropped). Texts typed by hand go further:
-- a list written as text ("[2.3, 2.5]", '["2.3"]': the loader split it on its comma),
-- codes apart by spaces ("2.3 2.5") and full-width digits ("２．３") count as the codes
-- they write. Done here, not in the loader, so an event's hash (its codes as landed)
-- stays what it was and a file loaded again is still recognised.
{#- 255 characters at most (the loader's limit): at most 128 codes between separators -#}
{%- set max_codes = 128 %}
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

-- The codes text with every separator made '|'.
code_texts as (

    select
        event_hash,
        {{ regexp_replace_all(
            "replace(" ~ half_width('problem_codes') ~ ", '．', '.')",
            separator_run_pattern(',，;；、|\\[\\]"'),
            "'|'"
        ) }} as codes_text
    from dislikes
    where problem_codes is not null

),

-- 1 ... {{ max_codes }}
positions as (

    {{ integer_spine(max_codes, 'code_position') }}

),

sent_codes as (

    select
        t.event_hash,
        trim({{ split_part('t.codes_text', "'|'", 'p.code_position') }}) as sent_code
    from code_texts as t
    inner join positions as p
        on {{ count_parts('t.codes_text', "'|'") }} >= p.code_position

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
    where s.sent_code <> ''

),

coded as (

    select distinct event_hash from mapped

),

-- Dislikes that sent no code at all (or only separators).
uncoded as (

    select
        d.event_hash,
        'other' as problem_code
    from dislikes as d
    left join coded as c
        on d.event_hash = c.event_hash
    where c.event_hash is null

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
