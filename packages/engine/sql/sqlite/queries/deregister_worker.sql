DELETE FROM errand_workers WHERE id = @id
