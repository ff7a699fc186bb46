"""Simulated machines, their files and the clock they share."""
