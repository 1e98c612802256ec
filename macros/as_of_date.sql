{#- The run's reporting date (setting `as_of`, SPEC §2): anything dated after it is ignored.
    Without the setting it is today in the reporting time zone, as the CLI would pass it. -#}
{% macro as_of_date() -%}
    {%- set as_of = run_setting('as_of') -%}
    {%- if as_of is none -%}
        {%- set as_of = modules.datetime.datetime.now(modules.pytz.timezone(run_setting('timezone', 'UTC'))).date().isoformat() -%}
    {%- endif -%}
    cast('{{ as_of }}' as date)
{%- endmacro %}
