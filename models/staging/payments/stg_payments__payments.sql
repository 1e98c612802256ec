{%- set landing_columns = ['payment_id', 'deal_id', 'paid_at', 'amount', 'currency', 'status', 'kind'] -%}

{{ staged_incrementally('payment_id', 'payments', 'payments') }}

with

source as (

    select * from {{ source('payments', 'payments') }}
    {{ landed_since_last_build() }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency(['trim(payment_id)']) }} as landing_version_recency

    from source

),

renamed as (

    select
        trim(payment_id) as payment_id,
        {{ blank_to_null('deal_id') }} as deal_id,
        {{ parse_timestamp_utc('paid_at') }} as paid_at,
        -- always positive; `payment_kind` says whether money came in or went back
        {{ parse_money('amount') }} as amount,
        {{ normalize_currency('currency') }} as currency,
        {{ normalize_enum('status') }} as status,
        {{ normalize_enum('kind') }} as payment_kind,
        {{ star_except(source('payments', 'payments'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line,
        _loaded_at

    from versions_ranked
    -- the latest version of each payment stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
