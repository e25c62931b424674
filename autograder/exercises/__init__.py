"""Exercise declarations, one module per topic; `autograder.model.catalog()` collects them."""
