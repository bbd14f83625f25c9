"""Query execution: inspecting a query before it runs, and running it in killable workers."""
