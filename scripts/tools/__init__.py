"""Development tools outside the product: benchmark and Lighthouse audit."""
