{#-
    Fails for every combination of `combination_of_columns` that occurs on more than one row:
    the uniqueness test for a composite key (an ad report's day × campaign, a plan's
    month × segment × metric), written here because dbt packages are not available.
-#}
{% test unique_combination(model, combination_of_columns) %}

with

key_counts as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as rows_with_key

    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}

)

select * from key_counts
where rows_with_key > 1

{% endtest %}
