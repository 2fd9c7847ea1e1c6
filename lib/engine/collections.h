/*
 * Collections shared by an owner's workflows (issue 21): the unique fields
 * of a collection are declared by the db_insert steps that store into it,
 * and every workflow of the owner that stores into it must declare the
 * same ones -- otherwise one workflow's inserts would break what another
 * relies on (a sign-up's unique email). A db_update or db_delete that finds
 * its document by a field (not by id) must name one of those unique
 * fields. Checked when a workflow is saved, against the owner's others.
 */
#ifndef ORX_COLLECTIONS_H
#define ORX_COLLECTIONS_H

#include <json-c/json.h>

int	collections_used(struct json_object *doc);
void	collections_check(struct json_object *doc, struct json_object *declared,
	    struct json_object *errors);

#endif
