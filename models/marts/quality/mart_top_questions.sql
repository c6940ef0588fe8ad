-- One row per bot × normalised question among the bot's most asked: questions are
-- grouped after folding full-width to half-width, case, whitespace and punctuation
-- (macro question_key). Only questions asked by at least var top_questions_min_askers
-- different people are listed, so no one person's wording is shown; at most
-- var top_questions_limit per bot.
with rated as (

    select
        rated.*,
        -- A person: the user when logged, else the session, else the message itself.
        coalesce(user_key, session_id, message_id) as asker
    from {{ ref('int_conversations__rated') }} as rated
    where
        question_key is not null
        and question_key <> ''

),

aggregated as (

    select
        bot_id,
        question_key,
        -- The folded text (punctuation kept) of the alphabetically first variant.
        min(question_text) as question_text,
        count(*) as asks,
        count(distinct asker) as askers,
        count(distinct question_text) as variants,
        min(report_date) as first_asked_date,
        max(report_date) as last_asked_date,
        {{ cast_bigint("sum(is_poor)") }} as poor_answers,
        {{ cast_bigint("sum(is_error)") }} as errors,
        avg({{ cast_double('response_time_s') }}) as response_time_mean_s
    from rated
    group by
        bot_id,
        question_key

),

ranked as (

    select
        aggregated.*,
        row_number() over (
            partition by bot_id
            order by asks desc, askers desc, question_key asc
        ) as question_rank
    from aggregated
    where askers >= {{ number_var('top_questions_min_askers') }}

)

select
    bot_id,
    question_rank,
    question_key,
    question_text,
    asks,
    askers,
    variants,
    first_asked_date,
    last_asked_date,
    poor_answers,
    {{ safe_divide('poor_answers', 'asks') }} as poor_answer_rate,
    errors,
    response_time_mean_s
from ranked
where question_rank <= {{ number_var('top_questions_limit') }}
