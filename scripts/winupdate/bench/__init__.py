"""Simulations of a whole patch night on the embedded AWS in virtual time."""
