{#-
    Join condition from a dated amount to the row of `int_fx_rates_ranged` that converts it:
    the rate of that day, or the latest earlier one (SPEC §2). A plain range join rather than
    an ASOF join, so that it runs on every engine; DuckDB plans it as a fast range join.

    The open end of the latest rate is closed with a far-future date instead of an `or ...
    is null`, which would keep engines from planning a range join. Currencies are compared
    upper-case whatever their source spelled.
-#}
{% macro fx_rate_applies(fx_rates, currency_expression, date_expression) -%}
    upper({{ fx_rates }}.currency) = upper({{ currency_expression }})
        and {{ fx_rates }}.valid_from <= {{ date_expression }}
        and {{ date_expression }} < coalesce({{ fx_rates }}.valid_to, cast('9999-12-31' as date))
{%- endmacro %}
