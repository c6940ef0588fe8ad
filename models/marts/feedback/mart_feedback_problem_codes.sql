-- One row per reporting day × bot × model × item type × problem code: how many latest
-- dislikes cite each code of the feedback document (labels from the seed
-- feedback_problem_codes); unknown codes and dislikes without a code count as 'other'.
-- A dislike citing two codes counts once under each, so shares may sum above 1.
with codes as (

    select * from {{ ref('int_feedback__problem_codes') }}

),

dislikes as (

    select
        report_date,
        bot_id,
        model_name,
        item_type,
        {{ cast_bigint("sum(is_dislike)") }} as dislikes
    from {{ ref('int_feedback__latest_reactions') }}
    group by
        report_date,
        bot_id,
        model_name,
        item_type

),

aggregated as (

    select
        report_date,
        bot_id,
        model_name,
        item_type,
        problem_code,
        min(category_zh) as category_zh,
        min(label_zh) as label_zh,
        min(category_en) as category_en,
        min(label_en) as label_en,
        count(*) as dislikes_citing,
        count(distinct user_key) as users
    from codes
    group by
        report_date,
        bot_id,
        model_name,
        item_type,
        problem_code

)

select
    a.report_date,
    a.bot_id,
    a.model_name,
    a.item_type,
    a.problem_code,
    a.category_zh,
    a.label_zh,
    a.category_en,
    a.label_en,
    a.dislikes_citing,
    a.users,
    d.dislikes,
    {{ safe_divide('a.dislikes_citing', 'd.dislikes') }} as share_of_dislikes
from aggregated as a
inner join dislikes as d
    on
        a.report_date = d.report_date
        and a.bot_id = d.bot_id
        and a.model_name = d.model_name
        and a.item_type = d.item_type
