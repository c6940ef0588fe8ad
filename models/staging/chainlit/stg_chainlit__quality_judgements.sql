-- One row per judged message: its latest LLM-judge rating (a message judged again, by
-- the same or another judge, takes the newest judgement). Ties on judged_at go to the
-- later load, then the later file by name and line: the files of one landing run share
-- its load time and land in name order, so the pick is the one loading them one by one
-- in that order gives, on every engine (not whichever row a scan meets first).
with source as (

    {{ optional_source('chainlit', 'quality_judgements', {
        'message_id': type_text(),
        'judge_model': type_text(),
        'quality_rating': type_text(),
        'confidence_score': type_double(),
        'judged_at': dbt.type_timestamp(),
        'rationale': type_text(),
        '_loaded_at': dbt.type_timestamp(),
        '_source_file': type_text(),
        '_line_number': type_bigint(),
    }) }}

),

ranked as (

    select
        message_id,
        judge_model,
        quality_rating,
        confidence_score,
        judged_at,
        row_number() over (
            partition by message_id
            order by judged_at desc, _loaded_at desc, _source_file desc, _line_number desc
        ) as judgement_rank,
        count(*) over (partition by message_id) as judgements,
        -- a new judgement of a message, whichever wins, makes the message's day rebuild
        max(_loaded_at) over (partition by message_id) as loaded_at
    from source

)

select
    message_id,
    judge_model,
    quality_rating as judge_quality_rating,
    confidence_score as judge_confidence_score,
    judged_at,
    judgements,
    loaded_at
from ranked
where judgement_rank = 1
